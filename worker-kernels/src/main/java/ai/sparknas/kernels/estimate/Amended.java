package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Amended gradient of Bi et al. (arXiv 1910.11831), H⁻¹ ≈ η·H, at the current ω (no unrolled step):
 * <pre>
 *   g1 = ∇_α L_val(ω, α),   v = ∇_ω L_val(ω, α)
 *   u  = H·v,                  H = ∇²_ωω L_train(ω, α)
 *   z  = ∇²_αω L_train · u
 *   g  = g1 − η·z
 * </pre>
 * The products come from {@link Products}: exact (R-operator, one pass each) or central differences
 * {@code u ≈ [∇_ω L_train(ω + r·v) − ∇_ω L_train(ω − r·v)] / (2r)}, r = ε₁/‖v‖, and likewise z with
 * r' = ε₂/‖u‖ (two passes each). η = 0 returns {@code g1} after one pass (exactly first order).
 */
public final class Amended implements AlphaGradientEstimator {

    private final double eta;
    private final double epsilonHv;
    private final double epsilonMixed;
    private final Products products;

    /**
     * @param eta          amending coefficient η (0.1)
     * @param epsilonHv    ε₁ of the finite-difference H·v (0.01)
     * @param epsilonMixed ε₂ of the finite-difference mixed product (0.01)
     * @param products     exact or finite-difference products
     */
    public Amended(double eta, double epsilonHv, double epsilonMixed, Products products) {
        this.eta = eta;
        this.epsilonHv = epsilonHv;
        this.epsilonMixed = epsilonMixed;
        this.products = products;
    }

    @Override
    public AlphaGradient estimate(GradientOracle oracle, SearchPoint p) {
        INDArray w = p.weights();
        if (eta == 0) {
            GradientSums val = oracle.gradients(w, p.alpha(), Split.VAL, Wanted.ALPHA);
            INDArray g1 = val.meanAlphaGrad();
            return new AlphaGradient(g1, val, Map.of("g1", g1));
        }
        GradientSums val = oracle.gradients(w, p.alpha(), Split.VAL, Wanted.BOTH);
        INDArray g1 = val.meanAlphaGrad();
        INDArray v = val.meanWeightGrad();
        INDArray u = products.hessianTimes(oracle, w, v, p.alpha(), epsilonHv);
        INDArray z = products.mixedTimes(oracle, w, u, p.alpha(), epsilonMixed);
        INDArray correction = z.mul(eta);
        INDArray g = g1.sub(correction);
        return new AlphaGradient(g, val, Map.of("g1", g1, "v", v, "Hv", u, "z", z),
                AlphaGradient.diagnostics(g1, correction, g));
    }

    @Override
    public String name() {
        return "amended";
    }

    @Override
    public int passes() {
        return eta == 0 ? 1 : 1 + 2 * products.passes();
    }
}
