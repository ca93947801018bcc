package ai.sparknas.kernels.net;

import ai.sparknas.kernels.net.ParameterLayout.Init;
import ai.sparknas.kernels.space.Primitive;
import java.util.List;

/**
 * The DARTS operations of quark0/darts {@code operations.py} over one tape, shared by the
 * super-network and the discrete (evaluation) network so that no operation exists twice. What differs
 * between the two is injected: how a weight is declared, what a BatchNorm is (affine-free with batch
 * statistics in the search; affine with running statistics in the evaluation network), the weight
 * names (the search's paths, or PyTorch's module paths of NetworkCIFAR), and whether a pooling op is
 * followed by a BatchNorm (the search's MixedOp adds one, the evaluation cell does not).
 */
final class DartsOps {

    /** Declares (in the declaring pass) or looks up a named weight; returns its offset in ω. */
    interface Weights {
        int param(String name, Init init, double scale, long... shape); // keep-f64: an init scale
    }

    /** The BatchNorm of the layer {@code name} (a module path: its weights are {@code name.weight}, ...). */
    interface Norm {
        Tensor apply(Tape t, Tensor x, String name);
    }

    private final Weights weights;
    private final Norm norm;
    private final boolean torchNames;

    /**
     * @param torchNames true: weights are named like the PyTorch modules of NetworkCIFAR
     *                   ({@code cells.0._ops.3.op.1.weight}) and pools have no BatchNorm (the evaluation
     *                   cell); false: the search's path names ({@code cell0/edge3/sep_conv_3x3/a/dw}) and
     *                   pools followed by an affine-free BatchNorm (the search's MixedOp)
     */
    DartsOps(Weights weights, Norm norm, boolean torchNames) {
        this.weights = weights;
        this.norm = norm;
        this.torchNames = torchNames;
    }

    /** {@code name} + the search's suffix, or the module path itself under PyTorch names. */
    private String path(String name, String searchSuffix) {
        return torchNames ? name : name + searchSuffix;
    }

    /** The weight name of a module's parameter: PyTorch's {@code module.sub.weight} or the search's {@code name/search}. */
    private String weight(String name, String torchSub, String searchSuffix) {
        return torchNames ? name + torchSub + ".weight" : name + searchSuffix;
    }

    /** One operation applied to x ({@code xRelu} is relu(x), shared by the ops reading x); {@code none} has no output. */
    Tensor primitive(Tape t, Primitive op, Tensor x, Tensor xRelu, String name, int c, int s) {
        return switch (op) {
            case NONE -> throw new IllegalArgumentException("none has no output tensor");
            case MAX_POOL_3X3 -> torchNames ? Pooling.max(t, x, s) : normOfFresh(t, Pooling.max(t, x, s), name + "/bn");
            case AVG_POOL_3X3 -> torchNames ? Pooling.avg(t, x, s) : normOfFresh(t, Pooling.avg(t, x, s), name + "/bn");
            case SKIP_CONNECT -> s == 1 ? x : factorizedReduce(t, xRelu, name, c);
            case SEP_CONV_3X3 -> sepConv(t, xRelu, name, c, 3, s, 1);
            case SEP_CONV_5X5 -> sepConv(t, xRelu, name, c, 5, s, 2);
            case DIL_CONV_3X3 -> dilConv(t, xRelu, name, c, 3, s, 2, 2, 1);
            case DIL_CONV_5X5 -> dilConv(t, xRelu, name, c, 5, s, 4, 2, 1);
        };
    }

    /** ReLUConvBN: ReLU → 1×1 conv → BN; takes the rectified input. */
    Tensor reluConvBn(Tape t, Tensor xRelu, String name, int cout) {
        int w = weights.param(weight(name, ".op.1", "/conv"), Init.UNIFORM, 1 / Math.sqrt(xRelu.c), cout, xRelu.c, 1, 1);
        return normOfFresh(t, Convolution.pointwise(t, xRelu, w, cout), path(name, "/bn") + (torchNames ? ".op.2" : ""));
    }

    /** FactorizedReduce: ReLU → [1×1 stride-2 conv on x ‖ on x[:, :, 1:, 1:]] → BN; takes the rectified input. */
    Tensor factorizedReduce(Tape t, Tensor xRelu, String name, int cout) {
        double bound = 1 / Math.sqrt(xRelu.c); // keep-f64: an init scale
        int w1 = weights.param(weight(name, ".conv_1", "/conv1"), Init.UNIFORM, bound, cout / 2, xRelu.c, 1, 1);
        int w2 = weights.param(weight(name, ".conv_2", "/conv2"), Init.UNIFORM, bound, cout - cout / 2, xRelu.c, 1, 1);
        Tensor evenIn = Layers.subsample(t, xRelu, 0);
        Tensor even = Convolution.pointwise(t, evenIn, w1, cout / 2);
        Tensor oddIn = Layers.subsample(t, xRelu, 1);
        Tensor odd = Convolution.pointwise(t, oddIn, w2, cout - cout / 2);
        convInputDone(t, evenIn);
        convInputDone(t, oddIn);
        Tensor both = Layers.concat(t, List.of(even, odd));
        even.releaseValue(); // read by the concat's forward alone (its backward splits ∂y by shape)
        odd.releaseValue();
        return normOfFresh(t, both, path(name, "/bn") + (torchNames ? ".bn" : ""));
    }

    /**
     * DilConv: ReLU → depthwise k×k (stride s, padding p, dilation d) → 1×1 conv → BN; takes the
     * rectified input. Under PyTorch names its modules are {@code op.<first>}, {@code op.<first+1>},
     * {@code op.<first+2>} of the enclosing Sequential.
     */
    Tensor dilConv(Tape t, Tensor xRelu, String name, int c, int k, int s, int p, int d, int first) {
        int dw = weights.param(weight(name, ".op." + first, "/dw"), Init.UNIFORM, 1.0 / k, c, 1, k, k);
        int pw = weights.param(weight(name, ".op." + (first + 1), "/pw"), Init.UNIFORM, 1 / Math.sqrt(c), c, c, 1, 1);
        Tensor y = Convolution.depthwise(t, xRelu, dw, k, s, p, d);
        Tensor z = Convolution.pointwise(t, y, pw, c);
        convInputDone(t, y);
        return normOfFresh(t, z, torchNames ? name + ".op." + (first + 2) : name + "/bn");
    }

    /**
     * Gives back a tensor that convolutions alone read, once they have run forward, in a pass whose
     * convolutions do not read their inputs backwards ({@link Tape#keepsConvInputs}); the subsampling,
     * ReLU and depthwise ops that made it read their own inputs backwards, never their outputs.
     */
    static void convInputDone(Tape t, Tensor x) {
        if (!t.keepsConvInputs()) {
            x.releaseValue();
        }
    }

    /**
     * The BatchNorm of an op's fresh output x, whose arrays then go back to the pool at once: x has no
     * other reader, its producer's backward reads only the producer's input (convolutions, pools,
     * concat), and BatchNorm's backward reads its own output x̂ and per-channel scalars, never x. This
     * drops a third of what a search pass holds (and of an R-pass's tangents) at no cost in time.
     */
    private Tensor normOfFresh(Tape t, Tensor x, String name) {
        Tensor y = norm.apply(t, x, name);
        x.releaseValue();
        return y;
    }

    /** SepConv: DilConv(k, s, p, 1) → DilConv(k, 1, p, 1), the second with its own ReLU (modules op.1–3, op.5–7). */
    Tensor sepConv(Tape t, Tensor xRelu, String name, int c, int k, int s, int p) {
        Tensor a = dilConv(t, xRelu, path(name, "/a"), c, k, s, p, 1, 1);
        Tensor r = Layers.relu(t, a);
        Tensor out = dilConv(t, r, path(name, "/b"), c, k, 1, p, 1, 5);
        convInputDone(t, r);
        return out;
    }
}
