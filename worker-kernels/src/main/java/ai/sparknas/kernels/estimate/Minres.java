package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.Vectors;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MINRES (Paige and Saunders 1975) on {@code (H + λI)·p = b} for a symmetric, possibly indefinite H,
 * given only products {@code d ↦ H·d}: the Lanczos process with a QR update, so each iterate minimises
 * ‖b − (H + λI)p‖ over the Krylov space (no breakdown on negative curvature, unlike CG, and the
 * convergence of CG on the matrix itself rather than on its square). At most {@code maxIterations}
 * products; stops once the residual estimate ‖r‖/‖b‖ is at most {@code tolerance}.
 */
public final class Minres {

    private Minres() {
    }

    public static ConjugateGradient.Solution solve(UnaryOperator<INDArray> hessianTimes, INDArray b, double damping,
                                                   int maxIterations, double tolerance) {
        double beta1 = Vectors.norm2(b);
        INDArray x = b.mul(0);
        if (beta1 == 0) {
            return new ConjugateGradient.Solution(x, 0, 0, false);
        }
        INDArray r1 = b.dup();
        INDArray r2 = b.dup();
        INDArray y = b.dup();
        INDArray w = b.mul(0);
        INDArray w2 = b.mul(0);
        double oldb = 0;
        double beta = beta1;
        double dbar = 0;
        double epsln = 0;
        double phibar = beta1;
        double cs = -1;
        double sn = 0;
        int used = 0;
        while (used < maxIterations && phibar / beta1 > tolerance) {
            INDArray v = y.mul(1 / beta);
            y = hessianTimes.apply(v).addi(v.mul(damping));
            used++;
            if (used >= 2) {
                y.subi(r1.mul(beta / oldb));
            }
            double alfa = Vectors.dot(v, y);
            y.subi(r2.mul(alfa / beta));
            r1 = r2;
            r2 = y;
            oldb = beta;
            beta = Vectors.norm2(r2);
            double oldeps = epsln;
            double delta = cs * dbar + sn * alfa;
            double gbar = sn * dbar - cs * alfa;
            epsln = sn * beta;
            dbar = -cs * beta;
            double gamma = Math.max(Math.hypot(gbar, beta), Double.MIN_NORMAL);
            cs = gbar / gamma;
            sn = beta / gamma;
            double phi = cs * phibar;
            phibar = sn * phibar;
            INDArray w1 = w2;
            w2 = w;
            w = v.sub(w1.mul(oldeps)).subi(w2.mul(delta)).muli(1 / gamma);
            x.addi(w.mul(phi));
            if (beta == 0) { // the Krylov space is invariant: x is exact
                phibar = 0;
                break;
            }
        }
        return new ConjugateGradient.Solution(x, phibar / beta1, used, false);
    }
}
