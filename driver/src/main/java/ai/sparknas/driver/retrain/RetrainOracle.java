package ai.sparknas.driver.retrain;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.TrainingSums;

/**
 * The passes a re-training needs, over data-parallel partitions: a step's training sums (gradient
 * sums and BatchNorm moments, each partition on its own batch with its own batch statistics, summed
 * in partition order) and the evaluation sums over the held-out test set. Implemented in one process
 * over shards ({@link InProcessRetrainOracle}) and on Spark, one round per call.
 */
public interface RetrainOracle extends AutoCloseable {

    /** Selects the batches of step {@code step} of {@code epoch} (the run's {@code globalStep}-th); must precede {@link #train}. */
    void beginStep(int epoch, int step, long globalStep);

    /** Sums of one training pass at ω over the step's batch. */
    TrainingSums train(double[] w, double dropProbability, double auxWeight);

    /** Loss sum and correct count over the whole test set in evaluation mode. */
    GradientSums evaluate(double[] w, double[] stats);

    @Override
    default void close() {
    }
}
