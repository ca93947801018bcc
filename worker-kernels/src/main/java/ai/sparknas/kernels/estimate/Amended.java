package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Vectors;
import ai.sparknas.kernels.grad.Wanted;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Amended gradient of Bi et al. (arXiv 1910.11831), H⁻¹ ≈ η·H, at the current ω (no unrolled step):
 * <pre>
 *   g1 = ∇_α L_val(ω, α),   v = ∇_ω L_val(ω, α)
 *   u  = H·v  ≈ [∇_ω L_train(ω + r·v) − ∇_ω L_train(ω − r·v)] / (2r),     r  = ε₁/‖v‖
 *   z  = ∇²_αω L_train · u ≈ [∇_α L_train(ω + r'·u) − ∇_α L_train(ω − r'·u)] / (2r'),  r' = ε₂/‖u‖
 *   g  = g1 − η·z
 * </pre>
 * Five passes; η = 0 returns {@code g1} after one pass (exactly first order).
 */
public final class Amended implements AlphaGradientEstimator {

    private final double eta;
    private final double epsilonHv;
    private final double epsilonMixed;

    /**
     * @param eta          amending coefficient η (0.1)
     * @param epsilonHv    ε₁ of the H·v difference (0.01)
     * @param epsilonMixed ε₂ of the mixed-derivative difference (0.01)
     */
    public Amended(double eta, double epsilonHv, double epsilonMixed) {
        this.eta = eta;
        this.epsilonHv = epsilonHv;
        this.epsilonMixed = epsilonMixed;
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
        INDArray u = hessianVectorProduct(oracle, w, p.alpha(), v);
        INDArray z = mixedProduct(oracle, w, p.alpha(), u);
        INDArray g = g1.sub(z.mul(eta));
        return new AlphaGradient(g, val, Map.of("g1", g1, "v", v, "Hv", u, "z", z));
    }

    /** u = H·v by a central difference of the train weight gradient (zero when v = 0). */
    private INDArray hessianVectorProduct(GradientOracle oracle, INDArray w, INDArray alpha, INDArray v) {
        double norm = Vectors.norm2(v);
        if (norm == 0) {
            return v.mul(0);
        }
        double r = epsilonHv / norm;
        GradientSums diff = oracle.centralDifference(w, v, r, alpha, Split.TRAIN, Wanted.WEIGHTS);
        return diff.weightGrad().div(2 * r * diff.count());
    }

    /** z = ∇²_αω L_train · u by a central difference of the train α gradient (zero when u = 0). */
    private INDArray mixedProduct(GradientOracle oracle, INDArray w, INDArray alpha, INDArray u) {
        double norm = Vectors.norm2(u);
        if (norm == 0) {
            return alpha.mul(0);
        }
        double r = epsilonMixed / norm;
        GradientSums diff = oracle.centralDifference(w, u, r, alpha, Split.TRAIN, Wanted.ALPHA);
        return diff.alphaGrad().div(2 * r * diff.count());
    }

    @Override
    public String name() {
        return "amended";
    }

    @Override
    public int passes() {
        return eta == 0 ? 1 : 5;
    }
}
