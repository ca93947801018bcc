package ai.sparknas.driver.optim;

import ai.sparknas.kernels.grad.Vectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PyTorch {@code clip_grad_norm_} followed by {@code torch.optim.SGD} (no dampening, no Nesterov),
 * updating ω in place:
 * <pre>
 *   n = ‖g‖₂;  c = maxNorm / (n + 1e-6);  if c &lt; 1: g = c·g        (skipped when maxNorm ≤ 0)
 *   d = g + λ·ω
 *   m = d on the first step, else m = μ·m + d
 *   ω = ω − lr·m
 * </pre>
 * The caller's gradient array is never modified (clipping and decay work on a copy). A non-finite
 * norm is returned as is and disables clipping for that step; the caller decides what to do.
 */
public final class SgdMomentum {

    /** Added to the norm before dividing, as in PyTorch. */
    public static final double CLIP_EPS = 1e-6;

    private final double momentum;
    private final double weightDecay;
    private final double maxGradNorm;
    private INDArray buffer;
    private long steps;

    /**
     * @param momentum    μ (0.9)
     * @param weightDecay λ, coupled L2 (3e-4)
     * @param maxGradNorm global-norm clip threshold (5); ≤ 0 disables clipping
     */
    public SgdMomentum(double momentum, double weightDecay, double maxGradNorm) {
        this(momentum, weightDecay, maxGradNorm, null, 0);
    }

    /** Restores a checkpointed optimizer: {@code momentumBuffer} is null exactly when {@code steps} is 0. */
    public SgdMomentum(double momentum, double weightDecay, double maxGradNorm, INDArray momentumBuffer, long steps) {
        this.momentum = FlatVectors.requireNonNegative(momentum, "momentum");
        this.weightDecay = FlatVectors.requireNonNegative(weightDecay, "weight decay");
        if (Double.isNaN(maxGradNorm)) {
            throw new IllegalArgumentException("max gradient norm must not be NaN");
        }
        this.maxGradNorm = maxGradNorm;
        if (steps < 0 || (steps == 0) != (momentumBuffer == null)) {
            throw new IllegalArgumentException("momentum buffer must be null exactly when steps == 0 (steps = "
                    + steps + ", buffer " + (momentumBuffer == null ? "null" : "present") + ")");
        }
        this.buffer = momentumBuffer;
        this.steps = steps;
    }

    /** One step on {@code w} (in place); returns the gradient's global L2 norm before clipping. */
    public double step(INDArray w, INDArray grad, double lr) {
        FlatVectors.requireSameShape(w, grad, "gradient");
        FlatVectors.requireNonNegative(lr, "learning rate");
        if (buffer != null) {
            FlatVectors.requireSameShape(w, buffer, "momentum buffer");
        }
        double norm = Vectors.norm2(grad); // sequential: bit-identical on every machine
        INDArray d = FlatVectors.copyAs(grad, w);
        if (maxGradNorm > 0) {
            double coef = maxGradNorm / (norm + CLIP_EPS);
            if (coef < 1) {
                d.muli(coef);
            }
        }
        if (weightDecay != 0) {
            d.addi(w.mul(weightDecay));
        }
        buffer = buffer == null ? d : buffer.muli(momentum).addi(d);
        w.subi(buffer.mul(lr));
        steps++;
        return norm;
    }

    /** The live momentum buffer (null before the first step); {@code dup()} it to snapshot. */
    public INDArray momentumBuffer() {
        return buffer;
    }

    /** Steps taken so far. */
    public long steps() {
        return steps;
    }

    public double momentum() {
        return momentum;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public double maxGradNorm() {
        return maxGradNorm;
    }
}
