package ai.sparknas.kernels.grad;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sums over a batch: loss, correct predictions, examples, and the gradient sums that were asked for
 * (null otherwise). Kernels produce sums; only the driver divides (MLlib's aggregator pattern).
 */
public record GradientSums(double lossSum, long correct, long count, INDArray weightGrad, INDArray alphaGrad) {

    /** Sum of two partial results over disjoint shards; shapes must agree. */
    public GradientSums plus(GradientSums o) {
        return new GradientSums(lossSum + o.lossSum, correct + o.correct, count + o.count,
                combine(weightGrad, o.weightGrad, "weight", false), combine(alphaGrad, o.alphaGrad, "alpha", false));
    }

    /**
     * Difference of the gradients of two passes over the same batch (central differences); the
     * loss and counts are those of {@code this}.
     */
    public GradientSums minusGradients(GradientSums o) {
        return new GradientSums(lossSum, correct, count,
                combine(weightGrad, o.weightGrad, "weight", true), combine(alphaGrad, o.alphaGrad, "alpha", true));
    }

    /** The same sums with both gradients multiplied by {@code k} (a difference quotient's 1/(2r)). */
    public GradientSums scaleGradients(double k) {
        return new GradientSums(lossSum, correct, count, weightGrad == null ? null : weightGrad.mul(k),
                alphaGrad == null ? null : alphaGrad.mul(k));
    }

    public double meanLoss() {
        return lossSum / count;
    }

    public double accuracy() {
        return (double) correct / count;
    }

    /** Gradient of the mean loss w.r.t. ω. */
    public INDArray meanWeightGrad() {
        return weightGrad.div(count);
    }

    /** Gradient of the mean loss w.r.t. α. */
    public INDArray meanAlphaGrad() {
        return alphaGrad.div(count);
    }

    private static INDArray combine(INDArray a, INDArray b, String what, boolean subtract) {
        if (a == null || b == null) {
            if (a != b) {
                throw new IllegalArgumentException("cannot combine sums: only one side has a " + what + " gradient");
            }
            return null;
        }
        if (a.length() != b.length()) {
            throw new IllegalArgumentException("cannot combine " + what + " gradients of lengths " + a.length()
                    + " and " + b.length());
        }
        return subtract ? a.sub(b) : a.add(b);
    }
}
