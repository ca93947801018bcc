package ai.sparknas.spark;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.DataLayout;
import ai.sparknas.driver.data.Shard;
import ai.sparknas.driver.retrain.CellGenotypes;
import ai.sparknas.driver.retrain.Evaluation;
import ai.sparknas.driver.retrain.RetrainOracle;
import ai.sparknas.driver.retrain.RetrainSetup;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.TrainingSums;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A re-training's passes over Spark, one round each: a training step broadcasts ω, every partition
 * returns the gradient sums and BatchNorm moments of its share of the batch (its own batch
 * statistics, as in the in-process fold over the same shards), tree-summed; the driver divides and
 * updates the running statistics from the global moments. An evaluation broadcasts ω and the running
 * statistics, and every partition evaluates its slice of the test set.
 */
public final class SparkRetrainOracle implements RetrainOracle {

    private final RetrainSetup setup;
    private final JavaRDD<RetrainShard> shards;
    private final Rounds<RetrainShard> rounds;
    private final RetrainWorkerContext context;
    private final int testRecords;
    private final long totalSteps;
    private int epoch = -1;
    private int step;
    private long globalStep;

    private SparkRetrainOracle(RetrainSetup setup, JavaRDD<RetrainShard> shards, Rounds<RetrainShard> rounds,
                               RetrainWorkerContext context, int testRecords) {
        this.setup = setup;
        this.shards = shards;
        this.rounds = rounds;
        this.context = context;
        this.testRecords = testRecords;
        this.totalSteps = (long) setup.config.retrain().epochs() * setup.stepsPerEpoch;
    }

    /**
     * Probes the training and test files on the driver (each read whole once), builds the setup (which
     * checks the genotype against the data) and loads every partition's shard and test slice on the
     * executors (cached).
     */
    public static SparkRetrainOracle create(JavaSparkContext sc, SearchConfig cfg, CellGenotypes genotype, int layers,
                                            int channels) throws IOException {
        HashMap<String, String> hadoop = CachedShards.hadoopSettings(sc);
        var files = HadoopDataFiles.fromSparkSettings(hadoop);
        DataLayout train = DataLayout.probe(cfg.data(), files);
        DataLayout test = DataLayout.probe(cfg.testData(), files);
        boolean explicit = cfg.spark().partitions() != 0;
        int partitions = explicit ? cfg.spark().partitions()
                : SparkOracle.autoPartitions(SparkOracle.clusterCores(sc), cfg.retrain().batch(),
                cfg.spark().minExamplesPerPartition());
        int perPartition = cfg.retrain().batch() / Math.max(1, partitions);
        if (explicit && partitions > 1 && perPartition < cfg.spark().minExamplesPerPartition()) {
            throw new ConfigException("sparknas.spark.partitions", "sparknas.spark.partitions = " + partitions + " gives "
                    + perPartition + " examples per partition (retrain.batch = " + cfg.retrain().batch() + "), fewer than"
                    + " sparknas.spark.min-examples-per-partition = " + cfg.spark().minExamplesPerPartition()
                    + " (BatchNorm statistics are per partition): use fewer partitions (or 0 = auto), a larger"
                    + " retrain.batch, or a lower spark.min-examples-per-partition");
        }
        if (test.used() < partitions) {
            throw new ConfigException("sparknas.retrain.test-limit", "the test set's " + test.used() + " records are fewer"
                    + " than the " + partitions + " partitions that evaluate it: raise retrain.test-limit (0 = all)");
        }
        RetrainSetup setup = new RetrainSetup(cfg, genotype, layers, channels,
                new RetrainSetup.ImageShape(train.channels(), train.height(), train.width()), train.used(), partitions, 1);
        try { // tasks that would not fit their heap are refused here, not by an executor dying at the first step
            SparkOracle.checkTaskMemory(sc, "this re-training", cfg.retrain().batch(), partitions,
                    train.used() + test.used(), setup.plan.partitionSize(0) + test.used() / partitions + 1,
                    setup::memory);
        } catch (RuntimeException e) {
            setup.network.close();
            throw e;
        }
        RetrainWorkerContext context = new RetrainWorkerContext(cfg, genotype.text(), layers, channels, train, test,
                partitions, cfg.spark().kernelThreads(), hadoop);
        JavaRDD<RetrainShard> shards;
        try {
            shards = CachedShards.load(sc, partitions, context::readShard, "sparknas re-training shards and test slices",
                    "the training and test files");
        } catch (RuntimeException e) {
            setup.network.close();
            throw e;
        }
        return new SparkRetrainOracle(setup, shards, new Rounds<>(sc, shards, partitions, cfg.spark().treeDepth()),
                context, test.used());
    }

    /** The driver's setup, identical to the executors'. */
    public RetrainSetup setup() {
        return setup;
    }

    /** Images of the test set. */
    public int testRecords() {
        return testRecords;
    }

    @Override
    public void beginStep(int epoch, int step, long globalStep) {
        rounds.beginStep();
        this.epoch = epoch;
        this.step = step;
        this.globalStep = globalStep;
    }

    @Override
    public TrainingSums train(double[] w, double dropProbability, double auxWeight) {
        if (epoch < 0) {
            throw new IllegalStateException("beginStep must be called before a round");
        }
        RetrainWorkerContext c = context;
        int e = epoch;
        int s = step;
        long g = globalStep;
        String label = String.format(Locale.ROOT, "retrain step %d/%d · ∇ω and BatchNorm moments", g + 1, totalSteps);
        return rounds.round("T", "∇ω, BatchNorm moments", label, w, w, null, (shard, wv, dv, cpus) -> {
            RetrainSetup rs = c.borrow(cpus);
            try {
                Shard.Batch b = rs.cutout(shard.train.draw(Split.TRAIN, e, s), g, shard.train.partition());
                PartitionSums sums = PartitionSums.of(rs.network.train(wv, b.images(), b.labels(), dropProbability,
                        RetrainSetup.seedOf(rs.dropSeed, g, shard.train.partition()), auxWeight));
                sums.kernelThreads = c.threads(cpus);
                return sums;
            } finally {
                c.release(rs, cpus);
            }
        }).toTrainingSums();
    }

    @Override
    public GradientSums evaluate(double[] w, double[] stats) {
        RetrainWorkerContext c = context;
        int batch = setup.config.retrain().evalBatch();
        String label = String.format(Locale.ROOT, "retrain evaluation after epoch %d · %d test images", epoch + 1,
                testRecords);
        return rounds.round("E", "test set", label, w, w, stats, (shard, wv, dv, cpus) -> {
            RetrainSetup rs = c.borrow(cpus);
            try {
                PartitionSums sums = PartitionSums.of(Evaluation.over(rs.network, wv, dv, shard.test, 0,
                        shard.test.size(), batch));
                sums.kernelThreads = c.threads(cpus);
                return sums;
            } finally {
                c.release(rs, cpus);
            }
        }).toGradientSums();
    }

    /** Per-round timings and bytes of the rounds since the last call. */
    public List<Map<String, Object>> drainRoundRecords() {
        return rounds.drainRecords();
    }

    @Override
    public void close() {
        rounds.close();
        shards.unpersist(false);
        setup.network.close();
    }
}
