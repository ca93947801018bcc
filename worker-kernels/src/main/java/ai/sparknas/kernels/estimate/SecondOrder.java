package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DARTS second order ("unrolled", H⁻¹ ≈ ξ·I), as quark0/darts {@code architect.py}:
 * <pre>
 *   d  = ∇_ω L_train(ω, α) + λ·ω,        ω' = ω − ξ·(μ·m + d)
 *   dα = ∇_α L_val(ω', α),               v = ∇_ω' L_val(ω', α)
 *   g  = dα − ξ · ∇²_αω L_train(ω, α) · v
 * </pre>
 * The mixed product at the ORIGINAL ω comes from {@link Products}: exact (one R-pass) or, as in
 * quark0/darts, {@code [∇_α L_train(ω + R·v, α) − ∇_α L_train(ω − R·v, α)] / (2R)}, R = ε/‖v‖.
 * ξ is the current weight learning rate, m the momentum buffer (zero before the first step), λ the
 * weight decay, μ the momentum; no gradient clipping in the virtual step. Four passes (three with
 * exact products).
 */
public final class SecondOrder implements AlphaGradientEstimator {

    private final double momentum;
    private final double weightDecay;
    private final double epsilon;
    private final Products products;

    /**
     * @param momentum    μ of the virtual SGD step (0.9)
     * @param weightDecay λ of the virtual SGD step (3e-4)
     * @param epsilon     ε of the finite-difference radius R = ε/‖v‖ (0.01)
     * @param products    exact or finite-difference mixed product
     */
    public SecondOrder(double momentum, double weightDecay, double epsilon, Products products) {
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.epsilon = epsilon;
        this.products = products;
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
        INDArray mixed = products.mixedTimes(oracle, w, v, p.alpha(), epsilon);
        INDArray correction = mixed.mul(xi);
        INDArray g = dAlpha.sub(correction);
        return new AlphaGradient(g, val, Map.of("dalpha", dAlpha, "v", v, "mixed", mixed, "unrolled", unrolled),
                AlphaGradient.diagnostics(dAlpha, correction, g));
    }

    @Override
    public String name() {
        return "second-order";
    }

    @Override
    public int passes() {
        return 2 + products.passes();
    }
}
