package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.Vectors;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Conjugate gradient on {@code (H + λI)·p = b} from p = 0, given only products {@code d ↦ H·d}: at most
 * {@code maxIterations} products, stopping early once the relative residual ‖r‖/‖b‖ is at most
 * {@code tolerance}. H need not be definite (a network's Hessian away from a minimum is not): a
 * direction of non-positive curvature {@code dᵀ(H + λI)d ≤ 0} ends the iteration with the iterate so far
 * and is reported, as is the residual of the recurrence.
 */
public final class ConjugateGradient {

    /** The solution, its relative residual ‖b − (H + λI)p‖/‖b‖ (of the recurrence), the products used. */
    public record Solution(INDArray p, double residual, int products, boolean negativeCurvature) {
    }

    private ConjugateGradient() {
    }

    public static Solution solve(UnaryOperator<INDArray> hessianTimes, INDArray b, double damping, int maxIterations,
                                 double tolerance) {
        double bNorm = Vectors.norm2(b);
        INDArray p = b.mul(0);
        if (bNorm == 0) {
            return new Solution(p, 0, 0, false);
        }
        INDArray r = b.dup();
        INDArray d = b.dup();
        double rs = Vectors.dot(r, r);
        int used = 0;
        while (used < maxIterations && Math.sqrt(rs) / bNorm > tolerance) {
            INDArray ad = hessianTimes.apply(d).addi(d.mul(damping));
            used++;
            double curvature = Vectors.dot(d, ad);
            if (!(curvature > 0)) {
                return new Solution(p, Math.sqrt(rs) / bNorm, used, true);
            }
            double step = rs / curvature;
            p.addi(d.mul(step));
            r.subi(ad.mul(step));
            double rsNext = Vectors.dot(r, r);
            d = r.add(d.mul(rsNext / rs));
            rs = rsNext;
        }
        return new Solution(p, Math.sqrt(rs) / bNorm, used, false);
    }
}
