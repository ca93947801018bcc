package ai.sparknas.driver.search;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.BatchPlan;
import ai.sparknas.driver.data.DataLayout;
import ai.sparknas.driver.data.Normalization;
import ai.sparknas.driver.data.SearchData;
import ai.sparknas.driver.data.Shard;
import ai.sparknas.driver.optim.Adam;
import ai.sparknas.driver.optim.CosineSchedule;
import ai.sparknas.driver.optim.SgdMomentum;
import ai.sparknas.kernels.estimate.AlphaGradientEstimator;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.net.NetworkKernel;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.Primitive;
import ai.sparknas.kernels.space.SearchSpace;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Everything a search derives from its config and the shape of its data, built in one place: the
 * search space, the network, the partitioned batch plan, the estimator, the schedule and the initial
 * state. One root seed is split into the seeds of ω, α, the batch plan and the augmentation. The
 * oracle is chosen by the caller: in-process over shards of data in memory ({@link #inProcessOracle}),
 * or a Spark oracle over the same plan.
 */
public final class SearchSetup {

    public final SearchConfig config;
    public final DataLayout layout;
    public final SearchSpace space;
    public final NetworkKernel network;
    public final BatchPlan plan;
    public final AlphaGradientEstimator estimator;
    public final CosineSchedule schedule;
    public final int stepsPerEpoch;
    /** Seed of the crop/flip augmentation. */
    public final long augmentSeed;
    /** Per-channel value of a zero pixel after standardisation, or null when augmentation is off. */
    public final float[] padValue;
    private final long weightSeed;
    private final long alphaSeed;

    /**
     * A setup whose partition count was not set by an explicit {@code spark.partitions} (in process, or
     * derived); {@code spark.min-examples-per-partition} is not checked, two examples per partition are.
     *
     * @param partitions data-parallel partitions of every batch (1 in one process)
     * @param threads    threads of this process's network kernel
     */
    public SearchSetup(SearchConfig cfg, DataLayout layout, int partitions, int threads) {
        this(cfg, layout, partitions, threads, false);
    }

    /**
     * @param partitions         data-parallel partitions of every batch ({@code spark.partitions}; 1 in one process)
     * @param threads            threads of this process's network kernel
     * @param explicitPartitions true when {@code partitions} is the configured {@code spark.partitions}: then
     *                           more than one partition must each get at least
     *                           {@code spark.min-examples-per-partition} examples
     */
    public SearchSetup(SearchConfig cfg, DataLayout layout, int partitions, int threads, boolean explicitPartitions) {
        this.config = cfg;
        this.layout = layout;
        var s = cfg.search();
        try {
            space = new SearchSpace(s.ops().stream().map(Primitive::fromName).toList(), s.nodes(), s.layers(),
                    s.channels(), layout.channels(), layout.height(), layout.width(), cfg.data().classes(),
                    s.alphaSharing().equals("per-cell") ? AlphaSharing.PER_CELL : AlphaSharing.PER_TYPE);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(null, "the search space does not fit the data " + layout.name() + " ("
                    + layout.channels() + "x" + layout.height() + "x" + layout.width() + "): " + e.getMessage(), e);
        }
        SplittableRandom root = new SplittableRandom(cfg.run().seed());
        weightSeed = root.nextLong();
        alphaSeed = root.nextLong();
        long planSeed = root.nextLong();
        augmentSeed = root.nextLong();
        int records = layout.recordsPerSplit();
        if (partitions > records) {
            throw new ConfigException("sparknas.spark.partitions", partitions + " partitions (spark.partitions) are more"
                    + " than the " + records + " records of each data half: use fewer partitions or more data (data.limit)");
        }
        if (s.batch() > records) {
            throw new ConfigException("sparknas.search.batch", "sparknas.search.batch = " + s.batch() + " is larger than the "
                    + records + " records of each data half: lower search.batch or raise data.limit");
        }
        if (partitions < 1 || s.batch() % partitions != 0) {
            throw new ConfigException("sparknas.search.batch", "sparknas.search.batch = " + s.batch()
                    + " does not divide into " + partitions + " partitions (spark.partitions): choose search.batch"
                    + " as a multiple of the partition count");
        }
        checkExamplesPerPartition(cfg, partitions, explicitPartitions);
        plan = new BatchPlan(planSeed, records, s.batch(), partitions); // each partition owns >= B/P records
        network = NetworkKernel.create(space, threads, cfg.compute().precision(), cfg.compute().recompute());
        stepsPerEpoch = s.stepsPerEpoch() == 0 ? plan.stepsPerEpoch() : Math.min(s.stepsPerEpoch(), plan.stepsPerEpoch());
        float[] pad = null;
        if (cfg.data().augment()) {
            float[][] stats = cfg.data().normalize().equals("none") ? null : Normalization.forDataset(cfg.data().normalize());
            pad = stats == null ? new float[layout.channels()] : Normalization.zeroPixelValue(stats[0], stats[1]);
        }
        padValue = pad;
        estimator = Estimators.create(s.estimator(), cfg);
        schedule = new CosineSchedule(cfg.weightsOptim().lr(), cfg.weightsOptim().lrMin(), s.epochs());
    }

    /**
     * BatchNorm normalises over each partition's share of the batch: one example makes ∇α ≡ 0, so fewer
     * than 2 are refused always, and fewer than the floor when more than one partition was set explicitly
     * (one partition is the reference the floor is measured against, and what auto falls back to).
     */
    private static void checkExamplesPerPartition(SearchConfig cfg, int partitions, boolean explicitPartitions) {
        int batch = cfg.search().batch();
        int perPartition = batch / partitions;
        if (perPartition < 2) {
            throw new ConfigException("sparknas.search.batch", "sparknas.search.batch = " + batch + " gives "
                    + perPartition + " example(s) per partition over " + partitions + " partition(s): BatchNorm needs"
                    + " at least 2 per batch (over 1 every node is zero-mean and ∇α is 0); raise search.batch to at"
                    + " least " + 2 * partitions + " or use fewer partitions");
        }
        int floor = cfg.spark().minExamplesPerPartition();
        if (explicitPartitions && partitions > 1 && perPartition < floor) { // 1 partition is what auto falls back to
            throw new ConfigException("sparknas.spark.partitions", "sparknas.spark.partitions = " + partitions
                    + " gives " + perPartition + " examples per partition (search.batch = " + batch + "), fewer than"
                    + " sparknas.spark.min-examples-per-partition = " + floor + " (BatchNorm statistics are per"
                    + " partition; few examples bias ∇α): use fewer partitions (at most " + Math.max(1, batch / floor)
                    + ", or 0 = auto), a larger search.batch (at least " + (long) floor * partitions
                    + "), or a lower spark.min-examples-per-partition");
        }
    }

    /** The layout of data already in memory (its halves as given). */
    public static DataLayout layoutOf(SearchData data) {
        var w = data.weightData();
        return new DataLayout(w.name(), w.channels(), w.height(), w.width(), w.size() + data.alphaData().size(),
                w.size());
    }

    /** The in-process oracle over this plan's partitions of {@code data}, one after another. */
    public InProcessOracle inProcessOracle(SearchData data) {
        List<Shard> shards = new ArrayList<>();
        for (int p = 0; p < plan.partitions(); p++) {
            shards.add(Shard.of(data, plan, p, augmentSeed, padValue));
        }
        return new InProcessOracle(network, shards);
    }

    /** Loads the configured local data; returns the setup (one partition) and its oracle. */
    public static InProcess load(SearchConfig cfg) throws IOException {
        SearchData data = SearchData.load(cfg.data());
        return inProcess(cfg, data, 1);
    }

    /** A setup over data in memory with {@code shards} partitions, and its in-process oracle. */
    public static InProcess inProcess(SearchConfig cfg, SearchData data, int shards) {
        SearchSetup setup = new SearchSetup(cfg, layoutOf(data), shards, cfg.compute().effectiveThreads());
        return new InProcess(setup, setup.inProcessOracle(data));
    }

    /** A setup with its in-process oracle. */
    public record InProcess(SearchSetup setup, InProcessOracle oracle) {
        public SearchLoop loop(StepListener listener) {
            return setup.loop(oracle, listener);
        }
    }

    /**
     * What a checkpoint's vectors must fit: op list, cell structure, input shape, classes, α sharing and
     * the lengths of ω and α.
     */
    public String signature() {
        return "ops=" + space.ops() + " nodes=" + space.nodes() + " layers=" + space.layers() + " C="
                + space.channels() + " input=" + space.inChannels() + "x" + space.height() + "x" + space.width()
                + " classes=" + space.classes() + " alpha=" + config.search().alphaSharing() + " weights="
                + network.weightLayout().size() + " alphas=" + network.alphaLayout().size() + vectorBits();
    }

    /**
     * The kernels' vector width when it is not the default 256 bits: it fixes every reduction's order,
     * so a run continues bit for bit only at the width it started with.
     */
    public static String vectorBits() {
        int bits = ai.sparknas.kernels.net.Blas1.VECTOR_BITS;
        return bits == 256 ? "" : " vector-bits=" + bits;
    }

    /** Fresh ω, α and optimizer state from the config's seeds. */
    public SearchState initialState() {
        var wo = config.weightsOptim();
        var ao = config.alphaOptim();
        return new SearchState(network.initialWeights(weightSeed), network.initialAlpha(alphaSeed),
                new SgdMomentum(wo.momentum(), wo.weightDecay(), wo.gradClip()),
                new Adam(ao.lr(), ao.beta1(), ao.beta2(), ao.eps(), ao.weightDecay()));
    }

    public SearchLoop loop(GradientOracle oracle, StepListener listener) {
        return new SearchLoop(oracle, estimator, schedule, new AlphaSummary(space), stepsPerEpoch,
                config.monitor().evalBatches(), listener);
    }
}
