package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientSums;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An estimated α gradient (of the mean val loss), the val-batch sums it was computed from (for
 * metrics), and its named intermediate terms ({@code g1}, {@code v}, {@code Hv}, {@code z}, ...) so
 * that backends can be compared term by term.
 */
public record AlphaGradient(INDArray gradient, GradientSums val, Map<String, INDArray> terms) {
}
