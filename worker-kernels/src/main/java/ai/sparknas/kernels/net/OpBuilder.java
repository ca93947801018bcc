package ai.sparknas.kernels.net;

import ai.sparknas.kernels.net.ParameterLayout.Init;
import ai.sparknas.kernels.space.Primitive;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adds the DARTS operations (spec §4) to a SameDiff graph in NCHW layout, registering every weight
 * it creates in a {@link ParameterLayout}. No conv bias anywhere; BatchNorm inside cells is
 * affine-free and uses batch statistics (eps 1e-5).
 *
 * <p>Weights use the YXIO layout {@code [kH, kW, in, out]}; depthwise weights are
 * {@code [kH, kW, C, 1]}. Initialisation follows PyTorch's defaults: U(±1/√fan_in).
 */
public final class OpBuilder {

    static final double BN_EPS = 1e-5;

    private final SameDiff sd;
    private final ParameterLayout layout;
    private final DataType dtype;

    public OpBuilder(SameDiff sd, ParameterLayout layout, DataType dtype) {
        this.sd = sd;
        this.layout = layout;
        this.dtype = dtype;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    /** A named trainable array, registered in the layout and in the graph. */
    public SDVariable parameter(String name, Init init, double scale, long... shape) {
        layout.add(name, init, scale, shape);
        return sd.var(name, Nd4j.zeros(dtype, shape));
    }

    /** Spatial output size of a k×k window with stride s, padding p and dilation d. */
    public static int outSize(int in, int k, int s, int p, int d) {
        return (in + 2 * p - d * (k - 1) - 1) / s + 1;
    }

    public SDVariable relu(SDVariable x) {
        return sd.nn.relu(x, 0.0);
    }

    /** Plain k×k convolution without bias. */
    public SDVariable conv(SDVariable x, String name, int cin, int cout, int k, int stride, int pad) {
        SDVariable w = parameter(name, Init.UNIFORM, 1 / Math.sqrt((double) cin * k * k), k, k, cin, cout);
        return sd.cnn.conv2d(x, w, convConfig(k, stride, pad, 1));
    }

    /** Depthwise k×k convolution (one filter per channel) with dilation d. */
    public SDVariable depthwise(SDVariable x, String name, int c, int k, int stride, int pad, int dilation) {
        SDVariable w = parameter(name, Init.UNIFORM, 1 / Math.sqrt((double) k * k), k, k, c, 1);
        if (dilation == 1) {
            return sd.cnn.depthWiseConv2d(x, w, convConfig(k, stride, pad, 1));
        }
        // ND4J M2.1's oneDNN helper rejects dilated depthwise convolutions in float32 ("could not create a
        // descriptor for a dilated convolution"), and without oneDNN every convolution is ~5x slower. So the
        // k×k kernel is spread onto a zero-filled (d(k−1)+1)² grid by a constant 0/1 matrix: same result,
        // same gradient for the k×k weights, a plain depthwise convolution that oneDNN accepts.
        int big = dilation * (k - 1) + 1;
        INDArray spread = Nd4j.zeros(dtype, big * big, k * k);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                spread.putScalar(new long[] {(long) i * dilation * big + (long) j * dilation, (long) i * k + j}, 1.0);
            }
        }
        SDVariable dilated = sd.constant(spread).mmul(w.reshape(k * k, c)).reshape(big, big, c, 1);
        return sd.cnn.depthWiseConv2d(x, dilated, convConfig(big, stride, pad, 1));
    }

    private static Conv2DConfig convConfig(int k, int stride, int pad, int dilation) {
        return Conv2DConfig.builder().kH(k).kW(k).sH(stride).sW(stride).pH(pad).pW(pad)
                .dH(dilation).dW(dilation).paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW)
                .weightsFormat(WeightsFormat.YXIO).build();
    }

    /** BatchNorm with batch statistics and no affine transform: (x − mean) / √(var + eps), biased var. */
    public SDVariable batchNorm(SDVariable x) {
        SDVariable centred = x.sub(x.mean(true, 0, 2, 3));
        SDVariable var = sd.math.square(centred).mean(true, 0, 2, 3);
        return centred.mul(sd.math.rsqrt(var.add(BN_EPS)));
    }

    /** BatchNorm with batch statistics and a learned per-channel scale γ and shift β (stem only). */
    public SDVariable batchNormAffine(SDVariable x, String name, int c) {
        SDVariable gamma = parameter(name + "/gamma", Init.CONSTANT, 1.0, c);
        SDVariable beta = parameter(name + "/beta", Init.CONSTANT, 0.0, c);
        return batchNorm(x).mul(gamma.reshape(1, c, 1, 1)).add(beta.reshape(1, c, 1, 1));
    }

    /** ReLU → 1×1 conv → BN; {@code xRelu} is the already rectified input. */
    public SDVariable reluConvBn(SDVariable xRelu, String name, int cin, int cout) {
        return batchNorm(conv(xRelu, name + "/conv", cin, cout, 1, 1, 0));
    }

    /**
     * FactorizedReduce: ReLU → [1×1 stride-2 conv on x ‖ 1×1 stride-2 conv on x[:, :, 1:, 1:]] → BN.
     * {@code h, w} are the input's static spatial size (even).
     */
    public SDVariable factorizedReduce(SDVariable xRelu, String name, int cin, int cout, int h, int w) {
        SDVariable even = conv(xRelu, name + "/conv1", cin, cout / 2, 1, 2, 0);
        SDVariable shifted = xRelu.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(1, h), SDIndex.interval(1, w));
        SDVariable odd = conv(shifted, name + "/conv2", cin, cout - cout / 2, 1, 2, 0);
        return batchNorm(sd.concat(1, even, odd));
    }

    /** ReLU → depthwise k×k (dilation d) → 1×1 conv → BN (DARTS DilConv, and half a SepConv). */
    public SDVariable dilConv(SDVariable xRelu, String name, int c, int k, int stride, int pad, int dilation) {
        SDVariable dw = depthwise(xRelu, name + "/dw", c, k, stride, pad, dilation);
        return batchNorm(conv(dw, name + "/pw", c, c, 1, 1, 0));
    }

    /** SepConv: DilConv(k, s, p, 1) followed by DilConv(k, 1, p, 1). */
    public SDVariable sepConv(SDVariable xRelu, String name, int c, int k, int stride, int pad) {
        SDVariable first = dilConv(xRelu, name + "/a", c, k, stride, pad, 1);
        return dilConv(relu(first), name + "/b", c, k, 1, pad, 1);
    }

    /** 3×3 pooling, pad 1 (average excludes the padding), followed by BN. */
    public SDVariable pool(SDVariable x, boolean max, int stride) {
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(3).kW(3).sH(stride).sW(stride).pH(1).pW(1)
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).isNHWC(false)
                .type(max ? Pooling2D.Pooling2DType.MAX : Pooling2D.Pooling2DType.AVG)
                .divisor(Pooling2D.Divisor.EXCLUDE_PADDING).build();
        SDVariable pooled = max ? sd.cnn.maxPooling2d(x, cfg) : sd.cnn.avgPooling2d(x, cfg);
        return batchNorm(pooled);
    }

    /**
     * One candidate operation on an edge. {@code x} is the edge input and {@code xRelu} its ReLU
     * (shared by all the edge's ops that start with a ReLU). Returns null for {@code none}: its
     * output is zero, so the mixed sum simply leaves it out.
     */
    public SDVariable primitive(Primitive op, SDVariable x, SDVariable xRelu, String name, int c, int stride,
                                int h, int w) {
        return switch (op) {
            case NONE -> null;
            case MAX_POOL_3X3 -> pool(x, true, stride);
            case AVG_POOL_3X3 -> pool(x, false, stride);
            case SKIP_CONNECT -> stride == 1 ? x : factorizedReduce(xRelu, name, c, c, h, w);
            case SEP_CONV_3X3 -> sepConv(xRelu, name, c, 3, stride, 1);
            case SEP_CONV_5X5 -> sepConv(xRelu, name, c, 5, stride, 2);
            case DIL_CONV_3X3 -> dilConv(xRelu, name, c, 3, stride, 2, 2);
            case DIL_CONV_5X5 -> dilConv(xRelu, name, c, 5, stride, 4, 2);
        };
    }
}
