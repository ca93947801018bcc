package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Vectors;
import ai.sparknas.kernels.grad.Wanted;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How an estimator obtains the second-order products {@code H·d} and {@code ∇²_αω L·d}: the
 * directional derivative along d of the step's gradient sums ({@code estimator.products}).
 * <ul>
 *   <li>{@link #EXACT}: the R-operator through the kernels, one pass, no step size;</li>
 *   <li>{@link #FINITE_DIFFERENCE}: {@code [Σ∇(w + r·d) − Σ∇(w − r·d)] / (2r)}, {@code r = ε/‖d‖}, two
 *   passes; on ReLU networks it crosses kinks and is 90–400 % off at ε = 0.01 (docs/fidelity.md).</li>
 * </ul>
 */
public enum Products {
    EXACT("exact"), FINITE_DIFFERENCE("finite-difference");

    private final String configName;

    Products(String configName) {
        this.configName = configName;
    }

    /** The value of {@code estimator.products} that selects this method. */
    public String configName() {
        return configName;
    }

    public static Products fromName(String name) {
        for (Products p : values()) {
            if (p.configName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown products method '" + name + "': use exact or finite-difference");
    }

    /**
     * Σ over the step's {@code split} batch of the directional derivative along d of the {@code wanted}
     * gradients; {@code epsilon} is the finite difference's ε (ignored by {@link #EXACT}). A zero d gives
     * zero products without a pass.
     */
    public GradientSums along(GradientOracle oracle, INDArray w, INDArray d, INDArray alpha, Split split,
                              Wanted wanted, double epsilon) {
        double norm = Vectors.norm2(d);
        if (norm == 0) {
            return new GradientSums(0, 0, 1, wanted.weights() ? w.mul(0) : null, wanted.alpha() ? alpha.mul(0) : null);
        }
        if (this == EXACT) {
            return oracle.products(w, d, alpha, split, wanted);
        }
        double r = epsilon / norm;
        return oracle.centralDifference(w, d, r, alpha, split, wanted).scaleGradients(1 / (2 * r));
    }

    /** {@code H·d} of the mean train loss at (w, α): H = ∇²_ωω L_train. */
    public INDArray hessianTimes(GradientOracle oracle, INDArray w, INDArray d, INDArray alpha, double epsilon) {
        GradientSums s = along(oracle, w, d, alpha, Split.TRAIN, Wanted.WEIGHTS, epsilon);
        return s.weightGrad().div(s.count());
    }

    /** {@code ∇²_αω L_train·d} of the mean train loss at (w, α), a vector in α's layout. */
    public INDArray mixedTimes(GradientOracle oracle, INDArray w, INDArray d, INDArray alpha, double epsilon) {
        GradientSums s = along(oracle, w, d, alpha, Split.TRAIN, Wanted.ALPHA, epsilon);
        return s.alphaGrad().div(s.count());
    }

    /** Passes per product (for throughput figures). */
    public int passes() {
        return this == EXACT ? 1 : 2;
    }
}
