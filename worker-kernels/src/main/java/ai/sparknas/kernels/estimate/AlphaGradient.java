package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Vectors;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An estimated α gradient (of the mean val loss), the val-batch sums it was computed from (for
 * metrics), its named intermediate terms ({@code g1}, {@code v}, {@code Hv}, {@code z}, ...) so that
 * backends can be compared term by term, and scalar diagnostics of the estimate for the metrics
 * ({@link #diagnostics(INDArray, INDArray, INDArray)}).
 */
public record AlphaGradient(INDArray gradient, GradientSums val, Map<String, INDArray> terms,
                            Map<String, Double> diagnostics) {

    public AlphaGradient(INDArray gradient, GradientSums val, Map<String, INDArray> terms) {
        this(gradient, val, terms, Map.of());
    }

    /**
     * For {@code g = first − second}: {@code correction_ratio = ‖second‖/‖first‖} and
     * {@code cos_g_g1 = cos(g, first)}; how far the second-order term steers the estimate away from
     * the first-order gradient (NaN where a norm is zero).
     */
    public static Map<String, Double> diagnostics(INDArray first, INDArray second, INDArray g) {
        Map<String, Double> m = new LinkedHashMap<>();
        double n1 = Vectors.norm2(first);
        m.put("correction_ratio", n1 == 0 ? Double.NaN : Vectors.norm2(second) / n1);
        m.put("cos_g_g1", Vectors.cosine(g, first));
        return m;
    }
}
