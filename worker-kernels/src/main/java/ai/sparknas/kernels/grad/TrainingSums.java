package ai.sparknas.kernels.grad;

/**
 * Sums over one training batch of a discrete network: the main head's cross-entropy sum, the auxiliary
 * head's (0 without one), the main head's correct count, the examples, the gradient sum of
 * {@code main + auxWeight·auxiliary}, and each BatchNorm's batch moments (Σx and Σx² per channel, in
 * the running statistics' layout). Kernels produce sums; the driver divides.
 */
public record TrainingSums(double lossSum, double auxLossSum, long correct, long count, double[] weightGrad,
                           double[] moments) {

    /** The sum over two disjoint shards' batches. */
    public TrainingSums plus(TrainingSums o) {
        return new TrainingSums(lossSum + o.lossSum, auxLossSum + o.auxLossSum, correct + o.correct, count + o.count,
                Vectors.sum(weightGrad, o.weightGrad, "weight gradient"), Vectors.sum(moments, o.moments, "moments"));
    }
}
