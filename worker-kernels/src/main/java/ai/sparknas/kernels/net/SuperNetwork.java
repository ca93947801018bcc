package ai.sparknas.kernels.net;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.ParameterLayout.Init;
import ai.sparknas.kernels.space.Primitive;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.LoggerFactory;

/**
 * The DARTS super-network of a {@link SearchSpace} (spec §4) over one flat weight vector ω and one
 * flat α vector, with hand-written float64 forward and backward kernels. {@link #gradients} returns
 * the SUM over the batch of the softmax cross-entropy, the correct count and the gradients of that
 * sum that were asked for: the caller divides.
 *
 * <p>Weights are declared by running the forward pass once on a one-image zero batch, so the
 * layout of ω and the computation can never disagree. Not thread-safe: one instance per thread
 * (the kernels themselves use {@code threads} workers).
 */
public final class SuperNetwork implements NetworkKernel {

    private static volatile boolean warnedScalar;

    private final SearchSpace space;
    private final ParameterLayout weights = new ParameterLayout();
    private final ParameterLayout alphas = new ParameterLayout();
    private final KernelTeam pool;
    private final ArrayPool arrays = new ArrayPool();
    private final long forwardMacs;

    private final Recompute recompute;

    /**
     * @param threads kernel worker threads; 1 runs everything on the calling thread
     */
    public SuperNetwork(SearchSpace space, int threads) {
        this(space, threads, Recompute.NONE);
    }

    /**
     * @param threads   kernel worker threads; 1 runs everything on the calling thread
     * @param recompute which passes rerun each node's operations in their backward pass instead of keeping
     *                  their activations
     */
    public SuperNetwork(SearchSpace space, int threads, Recompute recompute) {
        this.recompute = recompute;
        if (!Blas1.VECTORISED && !warnedScalar) {
            warnedScalar = true;
            LoggerFactory.getLogger(SuperNetwork.class).warn("the kernels run as scalar loops, 2-3x slower (same results):"
                    + " start this JVM with {} to use the Vector API", Blas1.JVM_OPTION);
        }
        this.space = space;
        this.pool = threads > 1 ? new KernelTeam(threads) : null;
        for (String block : space.alphaBlocks()) {
            alphas.add(block, Init.NORMAL, 1e-3, space.edgesPerCell(), space.ops().size());
        }
        Pass declare = new Pass(new Tape(new double[0], null, false, null), true);
        declare.forward(new double[space.inChannels() * space.height() * space.width()], new int[1], 1,
                new double[(int) alphas.size()]);
        forwardMacs = declare.tape.macs();
    }

    @Override
    public long pooledElements() {
        return arrays.elements();
    }

    @Override
    public int elementBytes() {
        return Double.SIZE / 8; // the generated float32 copy reads Float.SIZE
    }

    /** Multiply-accumulates of one image's forward pass in convolutions and the classifier. */
    @Override
    public long forwardMacsPerImage() {
        return forwardMacs;
    }

    @Override
    public SearchSpace space() {
        return space;
    }

    /** Layout of the flat ω vector: one named segment per weight array, in PyTorch layout. */
    @Override
    public ParameterLayout weightLayout() {
        return weights;
    }

    /** Layout of the flat α vector: one {@code [edges, ops]} block per α. */
    @Override
    public ParameterLayout alphaLayout() {
        return alphas;
    }

    /** Initial ω: PyTorch's defaults, U(±1/√fan_in) for convolutions and the classifier, γ = 1, β = 0. */
    @Override
    public INDArray initialWeights(long seed) {
        return Nd4j.createFromArray(weights.initialValues(seed));
    }

    /**
     * Loss sum and correct count of the network whose mixed ops use the given weights directly instead
     * of softmax(α): with a 0/1 mask of a genotype's edges and ops this is the derived sub-network with
     * the super-network's (inherited) weights. Forward only; BatchNorm uses the batch statistics.
     *
     * @param mix one weight per (edge, op), in α's layout
     */
    @Override
    public GradientSums evaluate(INDArray w, INDArray mix, double[] images, int[] labels) { // keep-f64
        Layers.checkLength("weights", w.length(), weights.size());
        Layers.checkLength("op weights", mix.length(), alphas.size());
        int n = checkBatch(images, labels);
        Pass pass = new Pass(new Tape(w.toDoubleVector(), null, false, false, pool), false);
        pass.explicitMix = true;
        Result r;
        try {
            r = pass.forward(Layers.storage(images), labels, n, mix.toDoubleVector());
        } finally {
            arrays.releaseAll();
        }
        return new GradientSums(r.loss, r.correct, n, null, null);
    }

    /** Initial α: {@code 1e-3·N(0, 1)}. */
    @Override
    public INDArray initialAlpha(long seed) {
        return Nd4j.createFromArray(alphas.initialValues(seed));
    }

    /**
     * Loss sum, correct count and the requested gradient sums (float64) at (ω, α) on one batch.
     *
     * @param images {@code n·C·H·W} pixels in NCHW order
     * @param labels {@code n} class indices
     */
    @Override
    public GradientSums gradients(INDArray w, INDArray alpha, double[] images, int[] labels, // keep-f64
                                  Wanted wanted) {
        Layers.checkLength("weights", w.length(), weights.size());
        Layers.checkLength("alpha", alpha.length(), alphas.size());
        int n = checkBatch(images, labels);
        boolean record = wanted != Wanted.NONE;
        double[] weightGrad = wanted.weights() ? new double[(int) weights.size()] : null;
        Pass pass = new Pass(new Tape(w.toDoubleVector(), weightGrad, record, wanted.alpha(), pool), false);
        Result r;
        double[] alphaGrad = null;
        try {
            r = pass.forward(Layers.storage(images), labels, n, alpha.toDoubleVector());
            if (record) {
                pass.tape.backward();
                if (wanted.alpha()) {
                    alphaGrad = pass.softmaxBackward(pass.dProbs);
                }
            }
        } finally {
            arrays.releaseAll(); // nothing of the pass escapes: results were copied out above
        }
        // gradients leave in float64 whatever the kernel precision: the driver's ω, α and optimizer state are float64
        return new GradientSums(r.loss, r.correct, n,
                weightGrad == null ? null : Nd4j.createFromArray(weightGrad).castTo(DataType.DOUBLE),
                alphaGrad == null ? null : Nd4j.createFromArray(alphaGrad).castTo(DataType.DOUBLE));
    }

    /**
     * The directional derivative along {@code d} (ω's layout) of the gradient sums that are asked for,
     * computed exactly by the R-operator in one forward-and-backward pass: {@code Σ H·d} with
     * {@code H = ∇²_ωω L} as the weight part and {@code Σ ∇²_αω L·d} as the α part, where L is the
     * summed cross-entropy of the batch at (ω, α). The loss and count are those at (ω, α).
     */
    @Override
    public GradientSums products(INDArray w, INDArray alpha, INDArray d, double[] images, int[] labels, // keep-f64
                                 Wanted wanted) {
        Layers.checkLength("weights", w.length(), weights.size());
        Layers.checkLength("alpha", alpha.length(), alphas.size());
        Layers.checkLength("direction", d.length(), weights.size());
        if (wanted == Wanted.NONE) {
            throw new IllegalArgumentException("a product pass must want the weight part, the α part or both");
        }
        int n = checkBatch(images, labels);
        double[] hd = wanted.weights() ? new double[(int) weights.size()] : null;
        Pass pass = new Pass(Tape.rPass(w.toDoubleVector(), d.toDoubleVector(), hd, wanted.alpha(), pool), false);
        Result r;
        double[] mixed = null;
        try {
            r = pass.forward(Layers.storage(images), labels, n, alpha.toDoubleVector());
            pass.tape.backward();
            if (wanted.alpha()) {
                mixed = pass.softmaxBackward(pass.dProbsTangent);
            }
        } finally {
            arrays.releaseAll();
        }
        return new GradientSums(r.loss, r.correct, n,
                hd == null ? null : Nd4j.createFromArray(hd).castTo(DataType.DOUBLE),
                mixed == null ? null : Nd4j.createFromArray(mixed).castTo(DataType.DOUBLE));
    }

    /** Test hook: the digest of every ReLU mask and max-pool arg-max of the forward pass at (ω, α) ({@link Tape#decisions}). */
    long decisionDigest(INDArray w, INDArray alpha, double[] images, int[] labels) { // keep-f64
        Pass pass = new Pass(new Tape(w.toDoubleVector(), null, false, false, pool), false);
        pass.tape.decisions = new java.util.concurrent.atomic.AtomicLong();
        try {
            pass.forward(Layers.storage(images), labels, checkBatch(images, labels), alpha.toDoubleVector());
        } finally {
            arrays.releaseAll();
        }
        return pass.tape.decisions.get();
    }

    /** The batch size, after checking that the pixels fit the labels. */
    private int checkBatch(double[] images, int[] labels) { // keep-f64
        int n = labels.length;
        int perImage = space.inChannels() * space.height() * space.width();
        if (n == 0 || images.length != (long) n * perImage) {
            throw new IllegalArgumentException("batch of " + n + " labels needs " + (long) n * perImage
                    + " pixels (" + space.inChannels() + "x" + space.height() + "x" + space.width()
                    + " each), got " + images.length);
        }
        return n;
    }

    private record Result(double loss, long correct) {
    }

    /** One candidate operation of a node: the input state it reads, its α index, stride and weight-name prefix. */
    private record EdgeOp(int input, int alphaIndex, Primitive op, int stride, String name) {
    }

    /** Rough relative cost of an operation, to start the longest ones first. */
    private static int scheduleRank(Primitive op) {
        return switch (op) {
            case SEP_CONV_5X5 -> 6;
            case SEP_CONV_3X3 -> 5;
            case DIL_CONV_5X5 -> 4;
            case DIL_CONV_3X3, MAX_POOL_3X3 -> 3;
            case AVG_POOL_3X3 -> 2;
            case SKIP_CONNECT, NONE -> 1;
        };
    }

    /** A view of {@code x}'s values (and tangent) with its own gradient buffers (see {@code Pass.edgeOps}). */
    private static Tensor proxy(Tensor x) {
        Tensor p = new Tensor(x.n, x.c, x.h, x.w, x.v, x.needsGrad, x.pool());
        p.t = x.t;
        return p;
    }

    /** One forward pass (and the state its backward needs). */
    private final class Pass {
        final Tape tape;
        final boolean declaring;
        /** True: the α argument holds the mixing weights themselves (no softmax). */
        boolean explicitMix;
        double[][] probs;
        double[][] dProbs;
        /** In an R-pass that wants the α tangent: the tangent of dProbs along the direction. */
        double[][] dProbsTangent;

        /** The search's operations: its weight names, affine-free BatchNorm, pools followed by a BatchNorm. */
        final DartsOps darts = new DartsOps(this::param, (t, x, name) -> BatchNorm.plain(t, x), false);

        Pass(Tape tape, boolean declaring) {
            this.tape = tape;
            this.declaring = declaring;
        }

        /** Offset of a named weight; the declaring pass registers it. */
        int param(String name, Init init, double scale, long... shape) { // keep-f64
            if (declaring) {
                weights.add(name, init, scale, shape);
                tape.ensureCapacity(weights.size());
            }
            return (int) weights.get(name).offset();
        }

        Result forward(double[] images, int[] labels, int n, double[] alpha) {
            softmaxRows(alpha);
            int c = space.channels();
            Tensor x = new Tensor(n, space.inChannels(), space.height(), space.width(), images, false,
                    declaring ? null : arrays);
            int stemC = SearchSpace.STEM_MULTIPLIER * c;
            int stemW = param("stem/conv", Init.UNIFORM, 1 / Math.sqrt(9.0 * space.inChannels()),
                    stemC, space.inChannels(), 3, 3);
            Tensor conv = Convolution.dense(tape, x, stemW, stemC, 3, 1, 1);
            int gamma = param("stem/bn/gamma", Init.CONSTANT, 1, stemC);
            int beta = param("stem/bn/beta", Init.CONSTANT, 0, stemC);
            Tensor stem = BatchNorm.affine(tape, conv, gamma, beta);
            conv.releaseValue(); // BatchNorm's backward reads x̂, the convolution's its input

            Tensor s0 = stem;
            Tensor s1 = stem;
            int cCur = c;
            boolean reductionPrev = false;
            for (int i = 0; i < space.layers(); i++) {
                boolean reduction = space.isReduction(i);
                if (reduction) {
                    cCur *= 2;
                }
                String name = "cell" + i;
                Tensor r0 = Layers.relu(tape, s0);
                Tensor p0 = reductionPrev
                        ? darts.factorizedReduce(tape, r0, name + "/pre0", cCur)
                        : darts.reluConvBn(tape, r0, name + "/pre0", cCur);
                Tensor r1 = Layers.relu(tape, s1);
                Tensor p1 = darts.reluConvBn(tape, r1, name + "/pre1", cCur);
                DartsOps.convInputDone(tape, r0);
                DartsOps.convInputDone(tape, r1);
                Tensor out = cell(name, p0, p1, cCur, reduction, space.alphaBlockOf(i));
                s0 = s1;
                s1 = out;
                reductionPrev = reduction;
            }
            double bound = 1 / Math.sqrt(s1.c); // keep-f64: an init scale
            int fcW = param("classifier/weight", Init.UNIFORM, bound, space.classes(), s1.c);
            int fcB = param("classifier/bias", Init.UNIFORM, bound, space.classes());
            double[] logits = new double[n * space.classes()];
            double loss = Layers.classifierLoss(tape, s1, fcW, fcB, space.classes(), labels, logits);
            return new Result(loss, Layers.correct(logits, labels));
        }

        /** node i = Σ_{j<i+2} Σ_k softmax(α_row(i,j))_k · op_k(state_j); output = concat(nodes). */
        Tensor cell(String name, Tensor p0, Tensor p1, int c, boolean reduction, int block) {
            // only a recorded pass has a backward to rerun in; an H·d R-pass is the one with a weight tangent
            boolean again = tape.recording && recompute.applies(tape.weightGradTangent != null);
            List<Tensor> states = new ArrayList<>(List.of(p0, p1));
            List<Tensor> relus = new ArrayList<>(List.of(Layers.relu(tape, p0), Layers.relu(tape, p1)));
            List<Tensor> nodes = new ArrayList<>();
            int ops = space.ops().size();
            for (int i = 0; i < space.nodes(); i++) {
                List<EdgeOp> candidates = new ArrayList<>();
                for (int j = 0; j < i + 2; j++) {
                    int row = SearchSpace.edgeRow(i, j);
                    int stride = reduction && j < 2 ? 2 : 1;
                    for (int k = 0; k < ops; k++) {
                        Primitive op = space.ops().get(k);
                        if (op != Primitive.NONE) { // its zero output the node sum leaves out
                            candidates.add(new EdgeOp(j, row * ops + k, op, stride,
                                    name + "/edge" + row + "/" + op.dartsName()));
                        }
                    }
                }
                List<Tensor> in = List.copyOf(states);
                List<Tensor> inRelus = List.copyOf(relus);
                java.util.function.Function<Tape, Tensor> sum = t -> Layers.weightedSum(t,
                        List.of(edgeOps(t, candidates, in, inRelus, c)),
                        candidates.stream().mapToInt(EdgeOp::alphaIndex).toArray(), probs[block], dProbs[block],
                        dProbsTangent == null ? null : dProbsTangent[block]);
                // a node's operations hold nearly all of a cell's activations: recomputed, one node's at a time
                Tensor node = again ? tape.recomputed(sum) : sum.apply(tape);
                states.add(node);
                if (i + 1 < space.nodes()) {
                    relus.add(Layers.relu(tape, node));
                }
                nodes.add(node);
            }
            if (!again) { // the ops' convolutions (and subsampling) read them, and so do reruns of the nodes
                for (Tensor r : relus) {
                    DartsOps.convInputDone(tape, r);
                }
            }
            return Layers.concat(tape, nodes);
        }

        /**
         * The candidate operations of one node. Each runs whole on its own sub-tape, the team's threads
         * taking the next operation (largest first), so a thread works through a chain of small
         * kernels without waiting for the others after each one: splitting every kernel across the
         * team left the threads spinning a third of the time. Each operation reads its inputs through
         * proxies with their own gradient buffers, which are added to the inputs' gradients in
         * candidate order afterwards: the sums do not depend on which thread ran what.
         */
        Tensor[] edgeOps(Tape tape, List<EdgeOp> ops, List<Tensor> states, List<Tensor> relus, int c) {
            int m = ops.size();
            Tensor[] out = new Tensor[m];
            if (declaring) { // declares weights as it goes: the tape's weight vector grows, so no sub-tapes
                for (int q = 0; q < m; q++) {
                    EdgeOp e = ops.get(q);
                    out[q] = darts.primitive(tape, e.op(), states.get(e.input()), relus.get(e.input()), e.name(), c, e.stride());
                }
                return out;
            }
            Tape[] tapes = new Tape[m];
            Tensor[] xs = new Tensor[m];
            Tensor[] xRelus = new Tensor[m];
            for (int q = 0; q < m; q++) {
                tapes[q] = tape.sub();
                xs[q] = proxy(states.get(ops.get(q).input()));
                xRelus[q] = proxy(relus.get(ops.get(q).input()));
            }
            int[] order = java.util.stream.IntStream.range(0, m).boxed()
                    .sorted(java.util.Comparator.comparingInt(q -> -scheduleRank(ops.get(q).op())))
                    .mapToInt(Integer::intValue).toArray();
            tape.tasks(m, at -> {
                int q = order[at];
                EdgeOp e = ops.get(q);
                out[q] = darts.primitive(tapes[q], e.op(), xs[q], xRelus[q], e.name(), c, e.stride());
            });
            tape.onBackward(() -> {
                tape.tasks(m, at -> tapes[order[at]].backward());
                addProxyGradients(tape, states, xs, ops, false);
                addProxyGradients(tape, relus, xRelus, ops, false);
                if (tape.rop()) {
                    addProxyGradients(tape, states, xs, ops, true);
                    addProxyGradients(tape, relus, xRelus, ops, true);
                }
                for (int q = 0; q < m; q++) { // the next node's operations reuse them: a pass's peak stays low
                    xs[q].releaseGrad();
                    xRelus[q].releaseGrad();
                }
            });
            return out;
        }

        /**
         * {@code inputs[j].grad += Σ_q proxies[q].grad} over the operations q that read input j, in q
         * order; with {@code tangent}, the same for the gradients' tangents.
         */
        void addProxyGradients(Tape tape, List<Tensor> inputs, Tensor[] proxies, List<EdgeOp> ops, boolean tangent) {
            for (int j = 0; j < inputs.size(); j++) {
                Tensor x = inputs.get(j);
                List<double[]> parts = new ArrayList<>();
                for (int q = 0; q < proxies.length; q++) {
                    double[] part = tangent ? proxies[q].tangentGradOrNull() : proxies[q].gradOrNull();
                    if (ops.get(q).input() == j && part != null) {
                        parts.add(part);
                    }
                }
                if (!x.needsGrad || parts.isEmpty()) {
                    continue;
                }
                double[] g = tangent ? x.tangentGrad() : x.grad();
                int per = g.length / x.n;
                tape.parallel(x.n, n -> {
                    for (double[] part : parts) {
                        Blas1.axpy(1, part, n * per, g, n * per, per);
                    }
                });
            }
        }

        void softmaxRows(double[] alpha) {
            int blocks = alphas.segments().size();
            int ops = space.ops().size();
            int rows = space.edgesPerCell();
            probs = new double[blocks][rows * ops];
            dProbs = new double[blocks][rows * ops];
            dProbsTangent = tape.wantsAlphaTangent ? new double[blocks][rows * ops] : null;
            for (int b = 0; b < blocks; b++) {
                int off = b * rows * ops;
                if (explicitMix) {
                    for (int i = 0; i < rows * ops; i++) {
                        probs[b][i] = (double) alpha[off + i];
                    }
                    continue;
                }
                for (int r = 0; r < rows; r++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < ops; k++) {
                        max = Math.max(max, alpha[off + r * ops + k]);
                    }
                    double sum = 0;
                    for (int k = 0; k < ops; k++) {
                        sum += probs[b][r * ops + k] = (double) Math.exp(alpha[off + r * ops + k] - max);
                    }
                    for (int k = 0; k < ops; k++) {
                        probs[b][r * ops + k] /= sum;
                    }
                }
            }
        }

        /**
         * Softmax backward per row: ∂α_j = p_j·(∂p_j − Σ_k p_k·∂p_k). α is fixed in an R-pass (the
         * direction lies in ω), so the same map takes the tangent of ∂p to the tangent of ∂α.
         */
        double[] softmaxBackward(double[][] dProbs) {
            int ops = space.ops().size();
            int rows = space.edgesPerCell();
            double[] g = new double[(int) alphas.size()];
            for (int b = 0; b < probs.length; b++) {
                for (int r = 0; r < rows; r++) {
                    double dot = 0;
                    for (int k = 0; k < ops; k++) {
                        dot += probs[b][r * ops + k] * dProbs[b][r * ops + k];
                    }
                    for (int k = 0; k < ops; k++) {
                        int i = r * ops + k;
                        g[b * rows * ops + i] = probs[b][i] * (dProbs[b][i] - dot);
                    }
                }
            }
            return g;
        }
    }

    /** Stops the kernel worker threads. */
    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }

}
