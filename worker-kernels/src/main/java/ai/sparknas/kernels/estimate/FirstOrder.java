package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.util.Map;

/**
 * DARTS first order: {@code g = ∇_α L_val(ω, α)}, i.e. H⁻¹ ≈ 0. One pass.
 */
public final class FirstOrder implements AlphaGradientEstimator {

    @Override
    public AlphaGradient estimate(GradientOracle oracle, SearchPoint p) {
        return of(oracle.gradients(p.weights(), p.alpha(), Split.VAL, Wanted.ALPHA));
    }

    /** The estimate from the α data's sums (a backend that fused the step computed them already). */
    public static AlphaGradient of(GradientSums val) {
        var g1 = val.meanAlphaGrad();
        return new AlphaGradient(g1, val, Map.of("g1", g1));
    }

    @Override
    public String name() {
        return "first-order";
    }

    @Override
    public int passes() {
        return 1;
    }
}
