package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientOracle;

/** Estimates ∇_α L_val(ω*(α), α) at a search point from the oracle's current step batches. */
public interface AlphaGradientEstimator {

    AlphaGradient estimate(GradientOracle oracle, SearchPoint point);

    /** The config name: {@code first-order}, {@code second-order} or {@code amended}. */
    String name();

    /** Forward/backward passes per α gradient (for throughput figures). */
    int passes();
}
