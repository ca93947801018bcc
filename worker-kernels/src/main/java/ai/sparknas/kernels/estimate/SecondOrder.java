package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Vectors;
import ai.sparknas.kernels.grad.Wanted;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DARTS second order ("unrolled", H⁻¹ ≈ ξ·I), as quark0/darts {@code architect.py}:
 * <pre>
 *   d  = ∇_ω L_train(ω, α) + λ·ω,        ω' = ω − ξ·(μ·m + d)
 *   dα = ∇_α L_val(ω', α),               v = ∇_ω' L_val(ω', α)
 *   R  = ε / ‖v‖
 *   g  = dα − ξ · [∇_α L_train(ω + R·v, α) − ∇_α L_train(ω − R·v, α)] / (2R)
 * </pre>
 * ξ is the current weight learning rate, m the momentum buffer (zero before the first step), λ the
 * weight decay, μ the momentum; no gradient clipping in the virtual step. Four passes.
 */
public final class SecondOrder implements AlphaGradientEstimator {

    private final double momentum;
    private final double weightDecay;
    private final double epsilon;

    /**
     * @param momentum    μ of the virtual SGD step (0.9)
     * @param weightDecay λ of the virtual SGD step (3e-4)
     * @param epsilon     ε of the finite-difference radius R = ε/‖v‖ (0.01)
     */
    public SecondOrder(double momentum, double weightDecay, double epsilon) {
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.epsilon = epsilon;
    }

    @Override
    public AlphaGradient estimate(GradientOracle oracle, SearchPoint p) {
        double xi = p.learningRate();
        INDArray w = p.weights();
        INDArray d = oracle.gradients(w, p.alpha(), Split.TRAIN, Wanted.WEIGHTS).meanWeightGrad()
                .addi(w.mul(weightDecay));
        INDArray step = p.momentum() == null ? d : p.momentum().mul(momentum).addi(d);
        INDArray unrolled = w.sub(step.mul(xi));

        GradientSums val = oracle.gradients(unrolled, p.alpha(), Split.VAL, Wanted.BOTH);
        INDArray dAlpha = val.meanAlphaGrad();
        INDArray v = val.meanWeightGrad();
        double norm = Vectors.norm2(v);
        INDArray mixed = dAlpha.mul(0);
        if (norm > 0) {
            double r = epsilon / norm;
            GradientSums diff = oracle.centralDifference(w, v, r, p.alpha(), Split.TRAIN, Wanted.ALPHA);
            mixed = diff.alphaGrad().div(2 * r * diff.count());
        }
        INDArray g = dAlpha.sub(mixed.mul(xi));
        return new AlphaGradient(g, val, Map.of("dalpha", dAlpha, "v", v, "mixed", mixed, "unrolled", unrolled));
    }

    @Override
    public String name() {
        return "second-order";
    }

    @Override
    public int passes() {
        return 4;
    }
}
