package ai.sparknas.driver.retrain;

import ai.sparknas.kernels.net.DiscreteKernel.BatchNormLayer;
import ai.sparknas.kernels.net.ParameterLayout;
import java.util.List;

/**
 * The BatchNorm running statistics, updated from a step's global batch moments (every partition's
 * Σx and Σx² added): with M examples·pixels, μ = Σx/M and the unbiased σ² = (Σx² − M·μ²)/(M − 1),
 * {@code r_μ ← (1 − m)·r_μ + m·μ} and {@code r_σ² ← (1 − m)·r_σ² + m·σ²}, as PyTorch's BatchNorm2d
 * does over one batch.
 */
public final class RunningStatistics {

    private RunningStatistics() {
    }

    /**
     * @param stats    running statistics in the network's statistics layout, updated in place
     * @param moments  the step's moment sums, same layout (Σx in the mean slots, Σx² in the variance slots)
     * @param examples examples in the global batch
     * @param momentum m
     */
    public static void update(double[] stats, double[] moments, long examples, List<BatchNormLayer> layers,
                              ParameterLayout layout, double momentum) {
        if (moments.length != stats.length) {
            throw new IllegalArgumentException("moments of length " + moments.length + " for statistics of length "
                    + stats.length);
        }
        for (BatchNormLayer bn : layers) {
            int mean = (int) layout.get(bn.name() + ".running_mean").offset();
            int var = (int) layout.get(bn.name() + ".running_var").offset();
            double m = (double) examples * bn.plane();
            for (int c = 0; c < bn.channels(); c++) {
                double mu = moments[mean + c] / m;
                double unbiased = m > 1 ? Math.max(0, moments[var + c] - m * mu * mu) / (m - 1) : 0;
                stats[mean + c] = (1 - momentum) * stats[mean + c] + momentum * mu;
                stats[var + c] = (1 - momentum) * stats[var + c] + momentum * unbiased;
            }
        }
    }
}
