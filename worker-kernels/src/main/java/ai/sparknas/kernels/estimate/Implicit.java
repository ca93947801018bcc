package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Implicit hypergradient (implicit function theorem; iDARTS, Betty) at the current ω:
 * <pre>
 *   g1 = ∇_α L_val(ω, α),   v = ∇_ω L_val(ω, α),   H = ∇²_ωω L_train(ω, α)
 *   p  ≈ H⁻¹·v:  neumann  p = γ Σ_{k=0..K} (I − γH)^k v          (K products H·d)
 *                cg       (H + λI)·p = v, K conjugate-gradient steps from 0   (at most K products)
 *   g  = g1 − ∇²_αω L_train · p                                   (one mixed product)
 * </pre>
 * The Neumann series converges to H⁻¹v when 0 &lt; γ &lt; 2/λ_max(H) and H is positive definite; CG
 * stops early on a direction of non-positive curvature (diagnostic {@code negative_curvature}).
 * Passes: 1 + (K + 1) products.
 */
public final class Implicit implements AlphaGradientEstimator {

    /** {@code estimator.implicit.method}. */
    public enum Method { NEUMANN, CG }

    private final Method method;
    private final int steps;
    private final double gamma;
    private final double damping;
    private final Products products;
    private final double epsilonHv;
    private final double epsilonMixed;

    /**
     * @param steps   K: Neumann terms after the first, or CG iterations (≥ 1)
     * @param gamma   γ of the Neumann series
     * @param damping λ of CG
     * @param epsilonHv    ε of finite-difference H·d products (ignored when products are exact)
     * @param epsilonMixed ε of the finite-difference mixed product
     */
    public Implicit(Method method, int steps, double gamma, double damping, Products products, double epsilonHv,
                    double epsilonMixed) {
        if (steps < 1) {
            throw new IllegalArgumentException("implicit estimator needs K >= 1 steps, got " + steps);
        }
        this.method = method;
        this.steps = steps;
        this.gamma = gamma;
        this.damping = damping;
        this.products = products;
        this.epsilonHv = epsilonHv;
        this.epsilonMixed = epsilonMixed;
    }

    @Override
    public AlphaGradient estimate(GradientOracle oracle, SearchPoint pt) {
        INDArray w = pt.weights();
        INDArray alpha = pt.alpha();
        GradientSums val = oracle.gradients(w, alpha, Split.VAL, Wanted.BOTH);
        INDArray g1 = val.meanAlphaGrad();
        INDArray v = val.meanWeightGrad();
        java.util.function.UnaryOperator<INDArray> hv = d -> products.hessianTimes(oracle, w, d, alpha, epsilonHv);
        INDArray p;
        double residual = Double.NaN;
        boolean negative = false;
        if (method == Method.NEUMANN) {
            INDArray term = v.dup();
            INDArray sum = v.dup();
            for (int k = 1; k <= steps; k++) {
                term = term.sub(hv.apply(term).mul(gamma));
                sum.addi(term);
            }
            p = sum.mul(gamma);
        } else {
            ConjugateGradient.Solution s = ConjugateGradient.solve(hv, v, damping, steps, 0);
            p = s.p();
            residual = s.residual();
            negative = s.negativeCurvature();
        }
        INDArray z = products.mixedTimes(oracle, w, p, alpha, epsilonMixed);
        INDArray g = g1.sub(z);
        Map<String, Double> diag = new java.util.LinkedHashMap<>(AlphaGradient.diagnostics(g1, z, g));
        if (method == Method.CG) {
            diag.put("cg_residual", residual);
            diag.put("negative_curvature", negative ? 1.0 : 0.0);
        }
        return new AlphaGradient(g, val, Map.of("g1", g1, "v", v, "p", p, "z", z), diag);
    }

    @Override
    public String name() {
        return "implicit";
    }

    @Override
    public int passes() {
        return 1 + (steps + 1) * products.passes();
    }
}
