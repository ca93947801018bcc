package ai.sparknas.driver.run;

/**
 * Everything a search needs to continue exactly where it stopped. Batches and augmentation are pure
 * functions of (run.seed, split, epoch, step, partition), so the random state is the seed in
 * {@code configHocon} plus the position; nothing else is drawn.
 *
 * @param configHocon   the resolved config of the run
 * @param space         the search setup's signature: the network the vectors belong to
 * @param partitions    data partitions the batches were drawn for (they decide the batches)
 * @param epoch         the epoch of the next step (0-based)
 * @param step          the next step within that epoch (0-based)
 * @param globalStep    steps done so far
 * @param metricsLines  lines of metrics.jsonl written up to this point
 * @param epochSums     running sums of the epoch so far: train loss, train acc, val loss, val acc
 * @param weights       ω
 * @param alpha         α
 * @param momentum      SGD momentum buffer, null before the first weight step
 * @param sgdSteps      SGD steps taken
 * @param adamM         Adam first moment, null before the first α step
 * @param adamV         Adam second moment, null before the first α step
 * @param adamT         Adam steps taken
 */
public record Checkpoint(String configHocon, String space, int partitions, int epoch, int step, long globalStep, long metricsLines,
                         double[] epochSums, double[] weights, double[] alpha, double[] momentum, long sgdSteps,
                         double[] adamM, double[] adamV, long adamT) {
}
