package ai.sparknas.kernels.grad;

import java.io.Serializable;

/**
 * The α update of one search step as a pure function, {@code α' = step(α, ∇̄α)}, that a backend can apply
 * where the gradient sums are (an executor) instead of sending them back first. It must not change any
 * state and must give the same bits on every JVM (plain Java arithmetic), so that every task and the
 * driver's own optimizer arrive at the same α'.
 */
@FunctionalInterface
public interface AlphaStep extends Serializable {

    /** α' from α and the mean α gradient (neither argument is modified). */
    double[] next(double[] alpha, double[] meanGrad);
}
