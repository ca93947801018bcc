package ai.sparknas.driver.retrain;

import ai.sparknas.driver.data.ImageDataset;
import ai.sparknas.driver.data.Shard;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.TrainingSums;
import java.util.List;

/**
 * The re-training's passes in one process: each shard's batch in turn, summed in shard order, so that
 * with N shards this is the single-machine reference of an N-partition Spark run. Cutout and
 * drop-path draw from seeds of (step, shard) ({@link RetrainSetup#cutout}, {@link RetrainSetup#seedOf}).
 */
public final class InProcessRetrainOracle implements RetrainOracle {

    private final RetrainSetup setup;
    private final List<Shard> shards;
    private final ImageDataset test;
    private Shard.Batch[] batches;
    private long globalStep = -1;

    public InProcessRetrainOracle(RetrainSetup setup, RetrainData data) {
        this.setup = setup;
        this.shards = setup.shards(data.train());
        this.test = data.test();
    }

    @Override
    public void beginStep(int epoch, int step, long globalStep) {
        this.globalStep = globalStep;
        batches = new Shard.Batch[shards.size()];
        for (int s = 0; s < shards.size(); s++) {
            batches[s] = setup.cutout(shards.get(s).draw(Split.TRAIN, epoch, step), globalStep, s);
        }
    }

    @Override
    public TrainingSums train(double[] w, double dropProbability, double auxWeight) {
        if (batches == null) {
            throw new IllegalStateException("beginStep must be called before a pass");
        }
        TrainingSums sum = null;
        for (int s = 0; s < batches.length; s++) {
            TrainingSums part = setup.network.train(w, batches[s].images(), batches[s].labels(), dropProbability,
                    RetrainSetup.seedOf(setup.dropSeed, globalStep, s), auxWeight);
            sum = sum == null ? part : sum.plus(part);
        }
        return sum;
    }

    @Override
    public GradientSums evaluate(double[] w, double[] stats) {
        return Evaluation.over(setup.network, w, stats, test, 0, test.size(), setup.config.retrain().evalBatch());
    }
}
