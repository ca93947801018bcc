package ai.sparknas.kernels.net;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.TrainingSums;
import ai.sparknas.kernels.net.ParameterLayout.Init;
import ai.sparknas.kernels.space.Architecture;
import ai.sparknas.kernels.space.DiscreteCell;
import ai.sparknas.kernels.space.Primitive;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The evaluation network of a derived architecture (quark0/darts {@code model.py} NetworkCIFAR) over
 * one flat weight vector, on the search's kernels and operations ({@link DartsOps}, with affine
 * BatchNorm and PyTorch's parameter names). In training, BatchNorm normalises with the batch
 * statistics and the pass returns their moments; drop-path scales each non-identity op output of a
 * cell by {@code keep/p}; the auxiliary head (ReLU → AvgPool 5/3 → 1×1 conv 128 → BN → ReLU → 2×2 conv
 * 768 → BN → ReLU → linear) reads the output of cell ⌊2L/3⌋, and its loss enters the gradient with
 * the given weight. Evaluation uses the running statistics, without drop-path or auxiliary head.
 *
 * <p>Where the auxiliary head's pooled map is smaller than 2×2 (inputs under 32×32, e.g. 28×28
 * Fashion-MNIST: 7×7 → 1×1), its second convolution is 1×1 instead of 2×2; where it is larger, the
 * classifier averages the map (NetworkCIFAR assumes 32×32 inputs and a 1×1 map).
 *
 * <p>Weights are declared by running the forward pass once on a one-image zero batch, so the layout
 * and the computation can never disagree. Not thread-safe: one instance per thread.
 */
public final class DiscreteNetwork implements DiscreteKernel {

    private static final double[] BOTH = {1, 1};

    private final Architecture arch;
    private final ParameterLayout weights = new ParameterLayout();
    private final ParameterLayout stats = new ParameterLayout();
    private final List<BatchNormLayer> norms = new ArrayList<>();
    private final KernelTeam pool;
    private final ArrayPool arrays = new ArrayPool();
    private final long forwardMacs;

    /**
     * @param threads kernel worker threads; 1 runs everything on the calling thread
     * @throws IllegalArgumentException when the auxiliary head does not fit the input size
     */
    public DiscreteNetwork(Architecture architecture, int threads) {
        this.arch = architecture;
        if (arch.auxiliary() && (arch.height() / 4 < 5 || arch.width() / 4 < 5)) {
            throw new IllegalArgumentException("the auxiliary head pools 5x5 windows of cell " + arch.auxiliaryCell()
                    + "'s " + arch.height() / 4 + "x" + arch.width() / 4 + " output: it needs inputs of at least 20x20,"
                    + " got " + arch.height() + "x" + arch.width());
        }
        this.pool = threads > 1 ? new KernelTeam(threads) : null;
        Pass declare = new Pass(new Tape(new double[0], null, false, false, null), Mode.DECLARE);
        declare.forward(new double[arch.inChannels() * arch.height() * arch.width()], new int[1], 1);
        forwardMacs = declare.tape.macs() - declare.auxMacs;
    }

    @Override
    public Architecture architecture() {
        return arch;
    }

    @Override
    public ParameterLayout weightLayout() {
        return weights;
    }

    @Override
    public ParameterLayout statsLayout() {
        return stats;
    }

    @Override
    public List<BatchNormLayer> batchNorms() {
        return List.copyOf(norms);
    }

    @Override
    public double[] initialWeights(long seed) { // keep-f64
        return weights.initialValues(seed);
    }

    @Override
    public double[] initialStats() { // keep-f64
        return stats.initialValues(0);
    }

    @Override
    public long forwardMacsPerImage() {
        return forwardMacs;
    }

    @Override
    public long pooledElements() {
        return arrays.elements();
    }

    @Override
    public int elementBytes() {
        return Double.SIZE / 8; // the generated float32 copy reads Float.SIZE
    }

    @Override
    public TrainingSums train(double[] w, double[] images, int[] labels, double dropProbability, long dropSeed, // keep-f64
                              double auxWeight) { // keep-f64
        Layers.checkLength("weights", w.length, weights.size());
        if (!(dropProbability >= 0 && dropProbability < 1)) {
            throw new IllegalArgumentException("drop-path probability must be in [0, 1), got " + dropProbability);
        }
        int n = checkBatch(images, labels);
        double[] grad = new double[(int) weights.size()];
        double[] moments = new double[(int) stats.size()]; // keep-f64
        Pass pass = new Pass(new Tape(Layers.storage(w), grad, true, false, pool), Mode.TRAIN);
        pass.moments = moments;
        pass.keep = (double) (1 - dropProbability);
        pass.drops = new SplittableRandom(dropSeed);
        pass.auxWeight = (double) auxWeight;
        Result r;
        try {
            r = pass.forward(Layers.storage(images), labels, n);
            pass.tape.backward();
        } finally {
            arrays.releaseAll();
        }
        return new TrainingSums(r.loss, r.auxLoss, r.correct, n, wide(grad), moments);
    }

    @Override
    public GradientSums evaluate(double[] w, double[] runningStats, double[] images, int[] labels) { // keep-f64
        Layers.checkLength("weights", w.length, weights.size());
        Layers.checkLength("running statistics", runningStats.length, stats.size());
        int n = checkBatch(images, labels);
        Pass pass = new Pass(new Tape(Layers.storage(w), null, false, false, pool), Mode.EVAL);
        pass.runStats = runningStats;
        Result r;
        try {
            r = pass.forward(Layers.storage(images), labels, n);
        } finally {
            arrays.releaseAll();
        }
        return new GradientSums(r.loss, r.correct, n, null, null);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }

    private enum Mode { DECLARE, TRAIN, EVAL }

    private record Result(double loss, double auxLoss, long correct) {
    }

    /** One forward pass (and the state its backward needs). */
    private final class Pass {
        final Tape tape;
        final Mode mode;
        final DartsOps ops = new DartsOps(this::param, this::norm, true);
        /** TRAIN: the BatchNorm moments, in the statistics' layout. */
        double[] moments; // keep-f64
        /** EVAL: the running statistics. */
        double[] runStats; // keep-f64
        double keep = 1;
        SplittableRandom drops;
        double auxWeight;
        long auxMacs;

        Pass(Tape tape, Mode mode) {
            this.tape = tape;
            this.mode = mode;
        }

        /** Offset of a named weight; the declaring pass registers it. */
        int param(String name, Init init, double scale, long... shape) { // keep-f64
            if (mode == Mode.DECLARE) {
                weights.add(name, init, scale, shape);
                tape.ensureCapacity(weights.size());
            }
            return (int) weights.get(name).offset();
        }

        /** Affine BatchNorm {@code name}: batch statistics (and their moments) in training, running ones in evaluation. */
        Tensor norm(Tape t, Tensor x, String name) {
            int gamma = param(name + ".weight", Init.CONSTANT, 1, x.c);
            int beta = param(name + ".bias", Init.CONSTANT, 0, x.c);
            if (mode == Mode.DECLARE) {
                stats.add(name + ".running_mean", Init.CONSTANT, 0, x.c);
                stats.add(name + ".running_var", Init.CONSTANT, 1, x.c);
                norms.add(new BatchNormLayer(name, x.c, x.plane()));
            }
            int mean = (int) stats.get(name + ".running_mean").offset();
            return mode == Mode.EVAL ? BatchNorm.frozen(t, x, gamma, beta, runStats, mean, mean + x.c)
                    : BatchNorm.affine(t, x, gamma, beta, moments, mean);
        }

        Result forward(double[] images, int[] labels, int n) {
            int c = arch.channels();
            int in = arch.inChannels();
            Tensor x = new Tensor(n, in, arch.height(), arch.width(), images, false,
                    mode == Mode.DECLARE ? null : arrays);
            int stemC = 3 * c;
            int stemW = param("stem.0.weight", Init.UNIFORM, 1 / Math.sqrt(9.0 * in), stemC, in, 3, 3);
            Tensor s0 = norm(tape, Convolution.dense(tape, x, stemW, stemC, 3, 1, 1), "stem.1");
            Tensor s1 = s0;
            int cCur = c;
            boolean reductionPrev = false;
            double auxLoss = 0;
            for (int i = 0; i < arch.layers(); i++) {
                boolean reduction = arch.isReduction(i);
                if (reduction) {
                    cCur *= 2;
                }
                String name = "cells." + i;
                Tensor p0 = reductionPrev
                        ? ops.factorizedReduce(tape, Layers.relu(tape, s0), name + ".preprocess0", cCur)
                        : ops.reluConvBn(tape, Layers.relu(tape, s0), name + ".preprocess0", cCur);
                Tensor p1 = ops.reluConvBn(tape, Layers.relu(tape, s1), name + ".preprocess1", cCur);
                Tensor out = cell(arch.cells().get(i), name, p0, p1, cCur, reduction);
                s0 = s1;
                s1 = out;
                reductionPrev = reduction;
                if (arch.auxiliary() && mode != Mode.EVAL && i == arch.auxiliaryCell()) {
                    long before = tape.macs();
                    auxLoss = auxiliary(s1, labels, n);
                    auxMacs = tape.macs() - before;
                }
            }
            double bound = 1 / Math.sqrt(s1.c); // keep-f64: an init scale
            int fcW = param("classifier.weight", Init.UNIFORM, bound, arch.classes(), s1.c);
            int fcB = param("classifier.bias", Init.UNIFORM, bound, arch.classes());
            double[] logits = new double[n * arch.classes()];
            double loss = Layers.classifierLoss(tape, s1, fcW, fcB, arch.classes(), labels, logits);
            return new Result(loss, auxLoss, Layers.correct(logits, labels));
        }

        /** Node i = op(state) + op(state) of its two entries (drop-path on non-identity outputs); output = concat. */
        Tensor cell(DiscreteCell cell, String name, Tensor p0, Tensor p1, int c, boolean reduction) {
            List<Tensor> states = new ArrayList<>(List.of(p0, p1));
            List<Tensor> relus = new ArrayList<>(java.util.Arrays.asList(null, null));
            for (int i = 0; i < cell.nodes(); i++) {
                Tensor[] h = new Tensor[2];
                for (int k = 0; k < 2; k++) {
                    int e = 2 * i + k;
                    int input = cell.inputs().get(e);
                    Primitive op = cell.ops().get(e);
                    int stride = reduction && input < 2 ? 2 : 1;
                    Tensor x = states.get(input);
                    if (relus.get(input) == null && readsRelu(op, stride)) { // one ReLU per state, shared by its readers
                        relus.set(input, Layers.relu(tape, x));
                    }
                    Tensor y = ops.primitive(tape, op, x, relus.get(input), name + "._ops." + e, c, stride);
                    boolean identity = op == Primitive.SKIP_CONNECT && stride == 1;
                    if (keep < 1 && !identity) {
                        y = Layers.dropPath(tape, y, keep, draw(x.n));
                    }
                    h[k] = y;
                }
                states.add(Layers.weightedSum(tape, List.of(h[0], h[1]), new int[] {0, 1}, BOTH, null, null));
                relus.add(null);
            }
            List<Tensor> parts = new ArrayList<>();
            for (int s : cell.concat()) {
                parts.add(states.get(s));
            }
            return Layers.concat(tape, parts);
        }

        /** Whether the op reads relu(x): every op but the pools and the identity. */
        boolean readsRelu(Primitive op, int stride) {
            return switch (op) {
                case MAX_POOL_3X3, AVG_POOL_3X3, NONE -> false;
                case SKIP_CONNECT -> stride != 1;
                default -> true;
            };
        }

        /** One drop-path draw per example: kept with probability {@link #keep}. */
        boolean[] draw(int n) {
            boolean[] kept = new boolean[n];
            for (int i = 0; i < n; i++) {
                kept[i] = drops.nextDouble() < keep;
            }
            return kept;
        }

        /** AuxiliaryHeadCIFAR on x; returns its loss sum, whose gradient enters with {@link #auxWeight}. */
        double auxiliary(Tensor x, int[] labels, int n) {
            String name = "auxiliary_head.";
            Tensor y = Pooling.avgWindow(tape, Layers.relu(tape, x), 5, 3);
            int w1 = param(name + "features.2.weight", Init.UNIFORM, 1 / Math.sqrt(x.c), 128, x.c, 1, 1);
            y = norm(tape, Convolution.pointwise(tape, y, w1, 128), name + "features.3");
            int k = Math.min(2, Math.min(y.h, y.w));
            int w2 = param(name + "features.5.weight", Init.UNIFORM, 1 / Math.sqrt(128.0 * k * k), 768, 128, k, k);
            y = norm(tape, Convolution.dense(tape, Layers.relu(tape, y), w2, 768, k, 1, 0), name + "features.6");
            y = Layers.relu(tape, y);
            double bound = 1 / Math.sqrt(768.0); // keep-f64: an init scale
            int fcW = param(name + "classifier.weight", Init.UNIFORM, bound, arch.classes(), 768);
            int fcB = param(name + "classifier.bias", Init.UNIFORM, bound, arch.classes());
            return Layers.classifierLoss(tape, y, fcW, fcB, arch.classes(), labels, new double[n * arch.classes()],
                    auxWeight);
        }
    }

    private int checkBatch(double[] images, int[] labels) { // keep-f64
        int n = labels.length;
        int perImage = arch.inChannels() * arch.height() * arch.width();
        if (n == 0 || images.length != (long) n * perImage) {
            throw new IllegalArgumentException("batch of " + n + " labels needs " + (long) n * perImage
                    + " pixels (" + arch.inChannels() + "x" + arch.height() + "x" + arch.width() + " each), got "
                    + images.length);
        }
        for (int label : labels) {
            if (label < 0 || label >= arch.classes()) {
                throw new IllegalArgumentException("label " + label + " outside the " + arch.classes() + " classes");
            }
        }
        return n;
    }

    /** A kernel-precision array in float64. */
    private static double[] wide( // keep-f64
            double[] v) {
        double[] out = new double[v.length]; // keep-f64
        for (int i = 0; i < out.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

}
