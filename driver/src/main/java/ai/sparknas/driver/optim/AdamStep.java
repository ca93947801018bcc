package ai.sparknas.driver.optim;

import ai.sparknas.kernels.grad.AlphaStep;

/**
 * One step of {@link Adam} from a snapshot of its state (moments m and v, null before the first step), as
 * a pure function: executors apply it to the α gradient they have just summed and arrive at the driver's
 * α bit for bit. The step's bias corrections ({@code Math.pow}, which may differ by an ulp between JVM
 * builds) come computed from the driver; what runs here is IEEE +, ×, ÷ and √ on doubles only, which
 * every JVM rounds alike.
 *
 * @param stepSize  lr / (1 − β₁ᵗ) of the step taken (t counted from 1)
 * @param rootBias2 √(1 − β₂ᵗ)
 */
public record AdamStep(double beta1, double beta2, double eps, double weightDecay, double stepSize, double rootBias2,
                       double[] m, double[] v) implements AlphaStep {

    private static final long serialVersionUID = 1L;

    /** The snapshot for step {@code t} (1-based) of an optimizer with these hyper-parameters. */
    static AdamStep of(double lr, double beta1, double beta2, double eps, double weightDecay, long t, double[] m,
                       double[] v) {
        return new AdamStep(beta1, beta2, eps, weightDecay, lr / (1 - Math.pow(beta1, t)),
                Math.sqrt(1 - Math.pow(beta2, t)), m, v);
    }

    @Override
    public double[] next(double[] alpha, double[] meanGrad) {
        if (meanGrad.length != alpha.length || (m != null && m.length != alpha.length)
                || (v != null && v.length != alpha.length) || (m == null) != (v == null)) {
            throw new IllegalArgumentException("Adam step: α has " + alpha.length + " entries, the gradient "
                    + meanGrad.length + (m == null ? "" : ", the moments " + m.length + " and "
                    + (v == null ? "none" : String.valueOf(v.length))));
        }
        double[] a = alpha.clone();
        apply(a, meanGrad, m == null ? new double[a.length] : m.clone(), v == null ? new double[a.length] : v.clone());
        return a;
    }

    /**
     * The step in place on {@code alpha}, {@code m}, {@code v}, element by element in the order of
     * {@link Adam}'s formula: g = ∇ + λ·α; m = β₁·m + (1 − β₁)·g; v = β₂·v + (1 − β₂)·g²;
     * α −= m / (√v / √(1 − β₂ᵗ) + ε) · lr / (1 − β₁ᵗ).
     */
    void apply(double[] alpha, double[] grad, double[] m, double[] v) {
        for (int i = 0; i < alpha.length; i++) {
            double g = weightDecay != 0 ? grad[i] + alpha[i] * weightDecay : grad[i];
            m[i] = m[i] * beta1 + g * (1 - beta1);
            v[i] = v[i] * beta2 + g * g * (1 - beta2);
            double denom = Math.sqrt(v[i]) / rootBias2 + eps;
            alpha[i] = alpha[i] - m[i] / denom * stepSize;
        }
    }
}
