package ai.sparknas.kernels.net;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.space.SearchSpace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The super-network as the oracles see it: loss and gradient SUMS of one batch at (ω, α), and the
 * layouts of the flat vectors. Two implementations share one source: {@link SuperNetwork} computes
 * in float64 (gradient checks) and {@code ai.sparknas.kernels.net32.SuperNetwork}, generated from it
 * at build time with {@code double} replaced by {@code float}, computes in float32 (runs). Both take
 * and return float64 vectors.
 */
public interface NetworkKernel extends AutoCloseable {

    /** Loss sum, correct count and the requested gradient sums at (ω, α) on one batch of NCHW images. */
    GradientSums gradients(INDArray w, INDArray alpha, double[] images, int[] labels, Wanted wanted);

    /**
     * The exact directional derivative along {@code d} (ω's layout) of the {@code wanted} gradient sums
     * at (ω, α), by the R-operator: the weight part is {@code Σ H·d}, H = ∇²_ωω L, the α part
     * {@code Σ ∇²_αω L·d}; loss and counts are those at (ω, α). What a central difference of
     * {@link #gradients} approximates, without its step or its kinks.
     */
    GradientSums products(INDArray w, INDArray alpha, INDArray d, double[] images, int[] labels, Wanted wanted);

    /**
     * Loss sum and correct count with explicit mixing weights per (edge, op) in α's layout instead of
     * softmax(α): a genotype's 0/1 mask gives the derived sub-network with inherited weights.
     */
    GradientSums evaluate(INDArray w, INDArray mix, double[] images, int[] labels);

    SearchSpace space();

    ParameterLayout weightLayout();

    ParameterLayout alphaLayout();

    INDArray initialWeights(long seed);

    INDArray initialAlpha(long seed);

    long forwardMacsPerImage();

    /**
     * Elements of the activation and gradient arrays this kernel keeps for its passes (the peak of the
     * passes it has run), in its precision; with {@link #elementBytes()} the memory they take.
     */
    long pooledElements();

    /** Bytes of one kernel element: 4 in float32, 8 in float64. */
    int elementBytes();

    @Override
    void close();

    /** The network in the given precision: {@code float32} or {@code float64}. */
    static NetworkKernel create(SearchSpace space, int threads, String precision) {
        return create(space, threads, precision, Recompute.NONE);
    }

    /** The network in the given precision, recomputing cells in the passes {@code recompute} names. */
    static NetworkKernel create(SearchSpace space, int threads, String precision, Recompute recompute) {
        return switch (precision) {
            case "float32" -> new ai.sparknas.kernels.net32.SuperNetwork(space, threads, recompute);
            case "float64" -> new SuperNetwork(space, threads, recompute);
            default -> throw new IllegalArgumentException("unknown precision '" + precision
                    + "': use float32 or float64");
        };
    }
}
