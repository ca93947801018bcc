package ai.sparknas.driver.fidelity;

import ai.sparknas.kernels.estimate.ConjugateGradient;
import ai.sparknas.kernels.estimate.Minres;
import ai.sparknas.kernels.estimate.Products;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.Vectors;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reference hypergradient {@code g* = g1 − B·p*} with {@code (H + λI)·p* = v}, on exact products
 * (H = ∇²_ωω L_train, B = ∇²_αω L_train at ω; g1, v the val gradients at ω). A network's H is
 * indefinite away from a minimum, where CG is not defined: the solve is {@link Minres}, and the
 * residual reported is the true one, {@code ‖(H + λI)·p* − v‖/‖v‖}, from one more product.
 *
 * @param p        p* ≈ (H + λI)⁻¹·v
 * @param z        the true second term B·p*
 * @param g        g* = g1 − z
 * @param residual ‖A·p* − v‖/‖v‖
 * @param products H·d products used
 */
public record ReferenceHypergradient(INDArray p, INDArray z, INDArray g, double residual, int products) {

    /**
     * The extreme eigenvalues of H by power iteration ({@code iterations} products each): the one of
     * largest magnitude, then, on {@code H − λ₁I}, the one farthest from it (λ_min when λ₁ &gt; 0).
     * Rough, but enough to tell whether H is indefinite and which Neumann γ can converge (γ &lt; 2/λ_max).
     */
    public static double[] extremeEigenvalues(GradientOracle oracle, INDArray w, INDArray alpha, INDArray start,
                                              int iterations) {
        UnaryOperator<INDArray> h = d -> Products.EXACT.hessianTimes(oracle, w, d, alpha, 0);
        double first = power(h, start, iterations);
        double shifted = power(d -> h.apply(d).subi(d.mul(first)), start, iterations);
        return new double[] {first, shifted + first};
    }

    /** The Rayleigh quotient after {@code iterations} power steps from {@code start}. */
    private static double power(UnaryOperator<INDArray> a, INDArray start, int iterations) {
        INDArray x = start.div(Vectors.norm2(start));
        double rayleigh = 0;
        for (int i = 0; i < iterations; i++) {
            INDArray y = a.apply(x);
            rayleigh = Vectors.dot(x, y);
            double n = Vectors.norm2(y);
            if (n == 0) {
                return 0;
            }
            x = y.div(n);
        }
        return rayleigh;
    }

    /**
     * @param damping    λ (small: the reference approximates H⁻¹, λ only regularises its null space)
     * @param iterations most MINRES iterations (one product each)
     * @param tolerance  stop once MINRES's residual estimate ‖r‖/‖v‖ is below it
     */
    public static ReferenceHypergradient solve(GradientOracle oracle, INDArray w, INDArray alpha, INDArray g1,
                                               INDArray v, double damping, int iterations, double tolerance) {
        int[] used = {0};
        UnaryOperator<INDArray> h = d -> {
            used[0]++;
            return Products.EXACT.hessianTimes(oracle, w, d, alpha, 0);
        };
        ConjugateGradient.Solution sol = Minres.solve(h, v, damping, iterations, tolerance);
        INDArray p = sol.p();
        double residual = Vectors.norm2(h.apply(p).addi(p.mul(damping)).subi(v)) / Vectors.norm2(v);
        INDArray z = Products.EXACT.mixedTimes(oracle, w, p, alpha, 0);
        return new ReferenceHypergradient(p, z, g1.sub(z), residual, used[0]);
    }
}
