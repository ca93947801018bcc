package ai.sparknas.kernels.net;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.TrainingSums;
import ai.sparknas.kernels.space.Architecture;
import java.util.List;

/**
 * The evaluation network of a derived architecture as the re-training sees it: loss and gradient SUMS
 * of one training batch (BatchNorm with batch statistics, whose moments it returns), and loss sums of
 * one evaluation batch with the running statistics. Weights are named like the parameters of the
 * PyTorch NetworkCIFAR of quark0/darts. Two implementations share one source, as for
 * {@link NetworkKernel}: {@link DiscreteNetwork} in float64 and its generated float32 copy. Plain
 * arrays cross this seam, no INDArray.
 */
public interface DiscreteKernel extends AutoCloseable {

    /** One BatchNorm of the network: its module path, channels and the plane size its moments are summed over. */
    record BatchNormLayer(String name, int channels, int plane) {
    }

    /**
     * Loss sums, correct count, the gradient sum of {@code main + auxWeight·auxiliary} and the BatchNorm
     * moments on one training batch of NCHW images.
     *
     * @param dropProbability drop-path probability of every non-identity op output in the cells (0 = off)
     * @param dropSeed        seed of the drop-path draws (one per op output and example, in forward order)
     * @param auxWeight       weight of the auxiliary head's loss in the gradient (ignored without the head)
     */
    TrainingSums train(double[] w, double[] images, int[] labels, double dropProbability, long dropSeed,
                       double auxWeight);

    /** Loss sum and correct count in evaluation mode (running statistics, no drop-path, no auxiliary head). */
    GradientSums evaluate(double[] w, double[] stats, double[] images, int[] labels);

    Architecture architecture();

    /** ω: every trainable parameter under its NetworkCIFAR name, in PyTorch layout. */
    ParameterLayout weightLayout();

    /** The running statistics: {@code <bn>.running_mean} and {@code <bn>.running_var} per BatchNorm, in network order. */
    ParameterLayout statsLayout();

    /** The BatchNorms, in the order of {@link #statsLayout()}. */
    List<BatchNormLayer> batchNorms();

    /** Initial ω: PyTorch's defaults, U(±1/√fan_in) for convolutions and linear layers, γ = 1, β = 0. */
    double[] initialWeights(long seed);

    /** Initial running statistics: mean 0, variance 1 (PyTorch's). */
    double[] initialStats();

    /** Multiply-accumulates of one image's forward pass in evaluation mode (without the auxiliary head). */
    long forwardMacsPerImage();

    /** Elements of the arrays this kernel keeps for its passes (their peak), in its precision. */
    long pooledElements();

    /** Bytes of one kernel element: 4 in float32, 8 in float64. */
    int elementBytes();

    @Override
    void close();

    /** The network in the given precision: {@code float32} or {@code float64}. */
    static DiscreteKernel create(Architecture architecture, int threads, String precision) {
        return switch (precision) {
            case "float32" -> new ai.sparknas.kernels.net32.DiscreteNetwork(architecture, threads);
            case "float64" -> new DiscreteNetwork(architecture, threads);
            default -> throw new IllegalArgumentException("unknown precision '" + precision
                    + "': use float32 or float64");
        };
    }
}
