package ai.sparknas.kernels.grad;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Computes gradient sums of the cross-entropy over the current step's batches. The estimators are
 * written once against this interface; implementations decide where the passes run.
 *
 * <p>An oracle is bound to one search step at a time ({@link #beginStep}); every call within a step
 * uses the same train and val batches, so repeated passes see identical data.
 */
public interface GradientOracle {

    /** Binds the oracle to a step: its batches are drawn from (seed, epoch, step). */
    void beginStep(int epoch, long step);

    /** Σ over the step's {@code split} batch of the loss and the {@code wanted} gradients at (w, α). */
    GradientSums gradients(INDArray w, INDArray alpha, Split split, Wanted wanted);

    /**
     * Loss sum and correct count on the step's {@code split} batch of the network whose mixed ops use
     * the weights {@code mix} (α's layout) directly instead of softmax(α): the derived sub-network
     * when {@code mix} is a genotype's 0/1 mask. Oracles that hold no network do not support it.
     */
    default GradientSums evaluate(INDArray w, INDArray mix, Split split) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot evaluate a sub-network");
    }

    /**
     * Σ over the step's {@code split} batch of the exact directional derivative along {@code d} of the
     * {@code wanted} gradients at (w, α): the weight part {@code Σ H·d} (H = ∇²_ωω L), the α part
     * {@code Σ ∇²_αω L·d}; loss and counts are those at w. Oracles without an R-operator do not
     * support it (use {@code estimator.products = finite-difference} with them).
     */
    default GradientSums products(INDArray w, INDArray d, INDArray alpha, Split split, Wanted wanted) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no exact products: set"
                + " estimator.products = finite-difference");
    }

    /**
     * First-order DARTS's two passes with the α update between them: {@code Σ∇α L_val(w, α)} on the α data,
     * {@code α' = alphaStep(α, Σ∇α / n)}, then {@code Σ∇ω L_train(w, α')} on the ω data. Backends that can
     * apply the update where the sums are fuse the two into one round ({@link #fusesFirstOrderStep}).
     */
    default FirstOrderStepSums firstOrderStep(INDArray w, INDArray alpha, AlphaStep alphaStep) {
        GradientSums val = gradients(w, alpha, Split.VAL, Wanted.ALPHA);
        INDArray next = org.nd4j.linalg.factory.Nd4j.createFromArray(
                alphaStep.next(alpha.toDoubleVector(), val.meanAlphaGrad().toDoubleVector())).reshape(alpha.shape());
        return new FirstOrderStepSums(val, gradients(w, next, Split.TRAIN, Wanted.WEIGHTS), next);
    }

    /** Whether {@link #firstOrderStep} costs this backend less than its two passes called one by one. */
    default boolean fusesFirstOrderStep() {
        return false;
    }

    /**
     * Central-difference numerator {@code Σ∇(w + r·d) − Σ∇(w − r·d)} on the step's {@code split} batch;
     * the loss and counts returned are those at {@code w + r·d}. Backends may fuse the two passes.
     */
    default GradientSums centralDifference(INDArray w, INDArray d, double r, INDArray alpha, Split split,
                                           Wanted wanted) {
        return centralDifference(w, d, r, at -> gradients(at, alpha, split, wanted));
    }

    /**
     * {@code pass(w + r·d) − pass(w − r·d)} (gradients; loss and counts of the first): the one place the
     * perturbed weights are formed, so every backend perturbs ω identically.
     */
    static GradientSums centralDifference(INDArray w, INDArray d, double r,
                                          java.util.function.Function<INDArray, GradientSums> pass) {
        INDArray step = d.mul(r);
        GradientSums plus = pass.apply(w.add(step));
        GradientSums minus = pass.apply(w.sub(step));
        return plus.minusGradients(minus);
    }
}
