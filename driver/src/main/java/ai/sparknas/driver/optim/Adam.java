package ai.sparknas.driver.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code torch.optim.Adam} with coupled L2 decay (not AdamW), updating α in place:
 * <pre>
 *   g = grad + λ·α;  t = t + 1
 *   m = β₁·m + (1 − β₁)·g;   v = β₂·v + (1 − β₂)·g²
 *   denom = √v / √(1 − β₂ᵗ) + ε
 *   α = α − (lr / (1 − β₁ᵗ)) · m / denom
 * </pre>
 * Moments start at zero and are created on the first step. The caller's gradient is not modified.
 */
public final class Adam {

    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private INDArray m;
    private INDArray v;
    private long t;

    /**
     * @param lr          learning rate (3e-4)
     * @param beta1       β₁ (0.5)
     * @param beta2       β₂ (0.999)
     * @param eps         ε (1e-8)
     * @param weightDecay λ, coupled L2 (1e-3)
     */
    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(lr, beta1, beta2, eps, weightDecay, null, null, 0);
    }

    /** Restores a checkpointed optimizer: {@code m} and {@code v} are null exactly when {@code t} is 0. */
    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay, INDArray m, INDArray v, long t) {
        this.lr = FlatVectors.requireNonNegative(lr, "Adam learning rate");
        this.beta1 = requireBeta(beta1, "beta1");
        this.beta2 = requireBeta(beta2, "beta2");
        this.eps = FlatVectors.requireNonNegative(eps, "Adam eps");
        this.weightDecay = FlatVectors.requireNonNegative(weightDecay, "Adam weight decay");
        if (t < 0 || (t == 0) != (m == null) || (m == null) != (v == null)) {
            throw new IllegalArgumentException("Adam moments must both be null exactly when t == 0 (t = " + t + ")");
        }
        if (m != null) {
            FlatVectors.requireSameShape(m, v, "second moment");
        }
        this.m = m;
        this.v = v;
        this.t = t;
    }

    private static double requireBeta(double beta, String name) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("Adam " + name + " must be in [0, 1), got " + beta);
        }
        return beta;
    }

    /** One step on {@code alpha} (in place), in plain Java double arithmetic ({@link AdamStep#apply}). */
    public void step(INDArray alpha, INDArray grad) {
        FlatVectors.requireSameShape(alpha, grad, "gradient");
        if (m != null) {
            FlatVectors.requireSameShape(alpha, m, "first moment");
        }
        double[] a = alpha.toDoubleVector();
        double[] mm = m == null ? new double[a.length] : m.toDoubleVector();
        double[] vv = v == null ? new double[a.length] : v.toDoubleVector();
        AdamStep.of(lr, beta1, beta2, eps, weightDecay, t + 1, null, null).apply(a, grad.toDoubleVector(), mm, vv);
        if (m == null) {
            m = Nd4j.zerosLike(alpha);
            v = Nd4j.zerosLike(alpha);
        }
        t++;
        m.assign(Nd4j.createFromArray(mm).reshape(alpha.shape()));
        v.assign(Nd4j.createFromArray(vv).reshape(alpha.shape()));
        alpha.assign(Nd4j.createFromArray(a).reshape(alpha.shape()));
    }

    /**
     * The next step as a pure function of (α, ∇̄α), for a backend that applies it where the gradient is
     * (an executor): the same bits as {@link #step}, and this optimizer is not changed.
     */
    public AdamStep preview() {
        return AdamStep.of(lr, beta1, beta2, eps, weightDecay, t + 1, m == null ? null : m.toDoubleVector(),
                v == null ? null : v.toDoubleVector());
    }

    /** The live first moment (null before the first step). */
    public INDArray m() {
        return m;
    }

    /** The live second moment (null before the first step). */
    public INDArray v() {
        return v;
    }

    /** Steps taken so far (PyTorch's {@code step}). */
    public long t() {
        return t;
    }

    public double lr() {
        return lr;
    }
}
