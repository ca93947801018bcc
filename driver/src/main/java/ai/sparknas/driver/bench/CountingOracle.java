package ai.sparknas.driver.bench;

import ai.sparknas.kernels.grad.AlphaStep;
import ai.sparknas.kernels.grad.FirstOrderStepSums;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Counts the passes and their nominal cost ({@link Wanted#forwardUnits()}) of any oracle it wraps. */
public final class CountingOracle implements GradientOracle {

    private final GradientOracle inner;
    long passes;
    long forwardUnits;

    public CountingOracle(GradientOracle inner) {
        this.inner = inner;
    }

    /** Passes so far: a central difference counts two, an R-pass one. */
    public long passes() {
        return passes;
    }

    @Override
    public void beginStep(int epoch, long step) {
        inner.beginStep(epoch, step);
    }

    @Override
    public GradientSums gradients(INDArray w, INDArray alpha, Split split, Wanted wanted) {
        passes++;
        forwardUnits += wanted.forwardUnits();
        return inner.gradients(w, alpha, split, wanted);
    }

    @Override
    public GradientSums evaluate(INDArray w, INDArray mix, Split split) {
        return inner.evaluate(w, mix, split);
    }

    /** Nominal cost of an R-pass: each kernel's work about twice, forward and backward (bench measures it). */
    @Override
    public GradientSums products(INDArray w, INDArray d, INDArray alpha, Split split, Wanted wanted) {
        passes++;
        forwardUnits += 2L * Wanted.BOTH.forwardUnits();
        return inner.products(w, d, alpha, split, wanted);
    }

    @Override
    public boolean fusesFirstOrderStep() {
        return inner.fusesFirstOrderStep();
    }

    @Override
    public FirstOrderStepSums firstOrderStep(INDArray w, INDArray alpha, AlphaStep alphaStep) {
        passes += 2;
        forwardUnits += Wanted.ALPHA.forwardUnits() + Wanted.WEIGHTS.forwardUnits();
        return inner.firstOrderStep(w, alpha, alphaStep);
    }

    @Override
    public GradientSums centralDifference(INDArray w, INDArray d, double r, INDArray alpha, Split split,
                                          Wanted wanted) {
        passes += 2;
        forwardUnits += 2L * wanted.forwardUnits();
        return inner.centralDifference(w, d, r, alpha, split, wanted);
    }
}
