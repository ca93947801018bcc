package ai.sparknas.driver.optim;

import ai.sparknas.kernels.grad.AlphaStep;

/**
 * One step of {@link Adam} from a snapshot of its state (t steps taken, moments m and v, null when t is
 * 0), as a pure function: executors apply it to the α gradient they have just summed and arrive at the
 * driver's α bit for bit, on any JVM and backend (plain Java doubles, no ND4J).
 */
public record AdamStep(double lr, double beta1, double beta2, double eps, double weightDecay, long t, double[] m,
                       double[] v) implements AlphaStep {

    private static final long serialVersionUID = 1L;

    @Override
    public double[] next(double[] alpha, double[] meanGrad) {
        if (meanGrad.length != alpha.length || (m != null && m.length != alpha.length)) {
            throw new IllegalArgumentException("Adam step: α has " + alpha.length + " entries, the gradient "
                    + meanGrad.length + (m == null ? "" : ", the moments " + m.length));
        }
        double[] a = alpha.clone();
        apply(lr, beta1, beta2, eps, weightDecay, t + 1, a, meanGrad,
                m == null ? new double[a.length] : m.clone(), v == null ? new double[a.length] : v.clone());
        return a;
    }

    /**
     * Step {@code t} (1-based) in place on {@code alpha}, {@code m}, {@code v}, element by element in the
     * order of {@link Adam}'s formula: g = ∇ + λ·α; m = β₁·m + (1 − β₁)·g; v = β₂·v + (1 − β₂)·g²;
     * α −= (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
     */
    static void apply(double lr, double beta1, double beta2, double eps, double weightDecay, long t, double[] alpha,
                      double[] grad, double[] m, double[] v) {
        double bias1 = 1 - Math.pow(beta1, t);
        double rootBias2 = Math.sqrt(1 - Math.pow(beta2, t));
        double stepSize = lr / bias1;
        for (int i = 0; i < alpha.length; i++) {
            double g = weightDecay != 0 ? grad[i] + alpha[i] * weightDecay : grad[i];
            m[i] = m[i] * beta1 + g * (1 - beta1);
            v[i] = v[i] * beta2 + g * g * (1 - beta2);
            double denom = Math.sqrt(v[i]) / rootBias2 + eps;
            alpha[i] = alpha[i] - m[i] / denom * stepSize;
        }
    }
}
