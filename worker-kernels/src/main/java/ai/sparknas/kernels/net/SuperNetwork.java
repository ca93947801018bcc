package ai.sparknas.kernels.net;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.ParameterLayout.Init;
import ai.sparknas.kernels.net.ParameterLayout.Segment;
import ai.sparknas.kernels.space.Primitive;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The DARTS super-network of a {@link SearchSpace} as one SameDiff graph, evaluated at a flat
 * weight vector ω and a flat α vector. {@link #gradients} returns the loss SUM (softmax
 * cross-entropy), the correct count and the gradients of that sum: the caller divides.
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class SuperNetwork {

    public static final String INPUT = "input";
    public static final String LABELS = "labels";
    public static final String LOGITS = "logits";
    public static final String LOSS = "loss";

    private final SearchSpace space;
    private final DataType dtype;
    private final SameDiff sd = SameDiff.create();
    private final ParameterLayout weights = new ParameterLayout();
    private final ParameterLayout alphas = new ParameterLayout();

    public SuperNetwork(SearchSpace space, DataType dtype) {
        this.space = space;
        this.dtype = dtype;
        build();
    }

    public SearchSpace space() {
        return space;
    }

    public DataType dataType() {
        return dtype;
    }

    /** Number of operations in the forward graph (a measure of per-op overhead). */
    public int sameDiffOpCount() {
        return sd.getOps().size();
    }

    /** Layout of the flat ω vector: one named segment per weight array. */
    public ParameterLayout weightLayout() {
        return weights;
    }

    /** Layout of the flat α vector: one {@code [edges, ops]} block per α. */
    public ParameterLayout alphaLayout() {
        return alphas;
    }

    /** Initial ω: PyTorch-style U(±1/√fan_in) for convolutions and the classifier, γ = 1, β = 0. */
    public INDArray initialWeights(long seed) {
        return Nd4j.createFromArray(weights.initialValues(seed)).castTo(dtype);
    }

    /** Initial α: {@code 1e-3·N(0, 1)}. */
    public INDArray initialAlpha(long seed) {
        return Nd4j.createFromArray(alphas.initialValues(seed)).castTo(dtype);
    }

    private void build() {
        OpBuilder ob = new OpBuilder(sd, weights, dtype);
        OpBuilder alphaOb = new OpBuilder(sd, alphas, dtype);
        int c = space.channels();
        int edges = space.edgesPerCell();
        List<SDVariable> mixWeights = new ArrayList<>();
        for (String block : space.alphaBlocks()) {
            SDVariable a = alphaOb.parameter(block, Init.NORMAL, 1e-3, edges, space.ops().size());
            mixWeights.add(sd.nn.softmax(a, 1));
        }

        SDVariable x = sd.placeHolder(INPUT, dtype, -1, space.inChannels(), space.height(), space.width());
        SDVariable y = sd.placeHolder(LABELS, dtype, -1, space.classes());
        int stemC = SearchSpace.STEM_MULTIPLIER * c;
        SDVariable stem = ob.batchNormAffine(ob.conv(x, "stem/conv", space.inChannels(), stemC, 3, 1, 1), "stem/bn", stemC);

        SDVariable s0 = stem;
        SDVariable s1 = stem;
        int cPrevPrev = stemC;
        int cPrev = stemC;
        int cCur = c;
        int hPrevPrev = space.height();
        int wPrevPrev = space.width();
        int hPrev = hPrevPrev;
        int wPrev = wPrevPrev;
        boolean reductionPrev = false;
        for (int i = 0; i < space.layers(); i++) {
            boolean reduction = space.isReduction(i);
            if (reduction) {
                cCur *= 2;
            }
            String name = "cell" + i;
            SDVariable p0 = reductionPrev
                    ? ob.factorizedReduce(ob.relu(s0), name + "/pre0", cPrevPrev, cCur, hPrevPrev, wPrevPrev)
                    : ob.reluConvBn(ob.relu(s0), name + "/pre0", cPrevPrev, cCur);
            SDVariable p1 = ob.reluConvBn(ob.relu(s1), name + "/pre1", cPrev, cCur);
            SDVariable out = cell(ob, name, p0, p1, cCur, hPrev, wPrev, reduction,
                    mixWeights.get(space.alphaBlockOf(i)));
            s0 = s1;
            s1 = out;
            hPrevPrev = hPrev;
            wPrevPrev = wPrev;
            if (reduction) {
                hPrev = OpBuilder.outSize(hPrev, 3, 2, 1, 1);
                wPrev = OpBuilder.outSize(wPrev, 3, 2, 1, 1);
            }
            cPrevPrev = cPrev;
            cPrev = space.nodes() * cCur;
            reductionPrev = reduction;
        }
        SDVariable pooled = s1.mean(2, 3);
        SDVariable fcW = ob.parameter("classifier/weight", Init.UNIFORM, 1 / Math.sqrt(cPrev), cPrev, space.classes());
        SDVariable fcB = ob.parameter("classifier/bias", Init.UNIFORM, 1 / Math.sqrt(cPrev), space.classes());
        SDVariable logits = pooled.mmul(fcW).add(LOGITS, fcB);
        sd.loss.softmaxCrossEntropy(LOSS, y, logits, null, LossReduce.SUM, 0.0);
        sd.setLossVariables(LOSS);
    }

    /** One cell: node i = Σ_j MixedOp(state_j); output = channel concat of the nodes. */
    private SDVariable cell(OpBuilder ob, String name, SDVariable p0, SDVariable p1, int c, int h, int w,
                            boolean reduction, SDVariable mix) {
        List<SDVariable> states = new ArrayList<>(List.of(p0, p1));
        List<SDVariable> relus = new ArrayList<>(List.of(ob.relu(p0), ob.relu(p1)));
        List<SDVariable> nodes = new ArrayList<>();
        for (int i = 0; i < space.nodes(); i++) {
            SDVariable node = null;
            for (int j = 0; j < i + 2; j++) {
                int stride = reduction && j < 2 ? 2 : 1;
                int row = SearchSpace.edgeRow(i, j);
                SDVariable edge = mixedOp(ob, name + "/edge" + row, states.get(j), relus.get(j), c, stride, h, w,
                        mix, row);
                node = node == null ? edge : node.add(edge);
            }
            states.add(node);
            relus.add(ob.relu(node));
            nodes.add(node);
        }
        return sd.concat(1, nodes.toArray(new SDVariable[0]));
    }

    /** MixedOp: Σ_k softmax(α_row)_k · op_k(x), with {@code none} (zero output) left out of the sum. */
    private SDVariable mixedOp(OpBuilder ob, String name, SDVariable x, SDVariable xRelu, int c, int stride,
                               int h, int w, SDVariable mix, int row) {
        List<SDVariable> outs = new ArrayList<>();
        List<Integer> columns = new ArrayList<>();
        for (int k = 0; k < space.ops().size(); k++) {
            Primitive op = space.ops().get(k);
            SDVariable o = ob.primitive(op, x, xRelu, name + "/" + op.dartsName(), c, stride, h, w);
            if (o != null) {
                outs.add(o);
                columns.add(k);
            }
        }
        if (outs.isEmpty()) {
            throw new IllegalArgumentException("search.ops must contain an operation other than none");
        }
        // pick the non-none columns of the row with a constant 0/1 matrix: gather's gradient is a loop in SameDiff
        INDArray select = Nd4j.zeros(dtype, space.ops().size(), outs.size());
        for (int j = 0; j < columns.size(); j++) {
            select.putScalar(columns.get(j), j, 1.0);
        }
        SDVariable weightsRow = mix.get(SDIndex.interval(row, row + 1));
        SDVariable picked = weightsRow.mmul(sd.constant(select));
        SDVariable stacked = sd.stack(0, outs.toArray(new SDVariable[0]));
        return stacked.mul(picked.reshape(outs.size(), 1, 1, 1, 1)).sum(0);
    }

    /**
     * Loss sum, correct count and the requested gradient sums at (ω, α) on one batch.
     *
     * @param w      flat weights, length {@code weightLayout().size()}
     * @param alpha  flat α, length {@code alphaLayout().size()}
     * @param images {@code [n, C, H, W]}
     * @param labels one-hot {@code [n, classes]}
     */
    public GradientSums gradients(INDArray w, INDArray alpha, INDArray images, INDArray labels, Wanted wanted) {
        checkLength("weights", w, weights.size());
        checkLength("alpha", alpha, alphas.size());
        assign(weights, w);
        assign(alphas, alpha);
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(INPUT, images.castTo(dtype));
        feed.put(LABELS, labels.castTo(dtype));
        List<String> wrt = new ArrayList<>();
        if (wanted.weights()) {
            wrt.addAll(weights.names());
        }
        if (wanted.alpha()) {
            wrt.addAll(alphas.names());
        }
        Map<String, INDArray> outputs;
        Map<String, INDArray> grads = Map.of();
        if (wrt.isEmpty()) {
            outputs = sd.output(feed, LOSS, LOGITS);
        } else {
            OutAndGrad og = sd.calculateGradientsAndOutputs(feed, List.of(LOSS, LOGITS), wrt);
            outputs = og.getOutputs();
            grads = og.getGradients();
        }
        INDArray logits = outputs.get(LOGITS);
        long correct = logits.argMax(1).eq(labels.argMax(1)).castTo(DataType.INT64).sumNumber().longValue();
        return new GradientSums(outputs.get(LOSS).getDouble(0), correct, images.size(0),
                wanted.weights() ? flatten(weights, grads) : null,
                wanted.alpha() ? flatten(alphas, grads) : null);
    }

    private void assign(ParameterLayout layout, INDArray flat) {
        for (Segment s : layout.segments()) {
            INDArray slice = flat.get(NDArrayIndex.interval(s.offset(), s.offset() + s.size()));
            sd.getArrForVarName(s.name()).assign(slice.reshape('c', s.shape()));
        }
    }

    private INDArray flatten(ParameterLayout layout, Map<String, INDArray> grads) {
        INDArray flat = Nd4j.create(dtype, layout.size());
        for (Segment s : layout.segments()) {
            INDArray g = grads.get(s.name());
            if (g == null) {
                throw new IllegalStateException("no gradient for " + s.name() + ": the parameter is not on the loss path");
            }
            flat.get(NDArrayIndex.interval(s.offset(), s.offset() + s.size())).assign(g.ravel());
        }
        return flat;
    }

    private static void checkLength(String what, INDArray v, long expected) {
        if (v.length() != expected) {
            throw new IllegalArgumentException(what + " vector has length " + v.length() + ", the network expects "
                    + expected + " (was it made for another search space?)");
        }
    }
}
