package ai.sparknas.driver.search;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.BatchPlan;
import ai.sparknas.driver.data.ImageDataset;
import ai.sparknas.driver.data.Normalization;
import ai.sparknas.driver.data.SearchData;
import ai.sparknas.driver.optim.Adam;
import ai.sparknas.driver.optim.CosineSchedule;
import ai.sparknas.driver.optim.SgdMomentum;
import ai.sparknas.kernels.estimate.AlphaGradientEstimator;
import ai.sparknas.kernels.net.NetworkKernel;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.Primitive;
import ai.sparknas.kernels.space.SearchSpace;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Everything a search derives from its config, built in one place: the search space, the network,
 * the data halves, the batch plan, the oracle, the estimator, the schedule and the initial state.
 * One root seed is split into the seeds of ω, α, the batch plan and the augmentation.
 */
public final class SearchSetup {

    public final SearchConfig config;
    public final SearchSpace space;
    public final NetworkKernel network;
    public final SearchData data;
    public final BatchPlan plan;
    public final InProcessOracle oracle;
    public final AlphaGradientEstimator estimator;
    public final CosineSchedule schedule;
    public final int stepsPerEpoch;
    private final long weightSeed;
    private final long alphaSeed;

    public SearchSetup(SearchConfig cfg, SearchData data, int shards) {
        this.config = cfg;
        this.data = data;
        var s = cfg.search();
        ImageDataset w = data.weightData();
        try {
            space = new SearchSpace(s.ops().stream().map(Primitive::fromName).toList(), s.nodes(), s.layers(),
                    s.channels(), w.channels(), w.height(), w.width(), cfg.data().classes(),
                    s.alphaSharing().equals("per-cell") ? AlphaSharing.PER_CELL : AlphaSharing.PER_TYPE);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(null, "the search space does not fit the data " + w.name() + " ("
                    + w.channels() + "x" + w.height() + "x" + w.width() + "): " + e.getMessage(), e);
        }
        SplittableRandom root = new SplittableRandom(cfg.run().seed());
        weightSeed = root.nextLong();
        alphaSeed = root.nextLong();
        long planSeed = root.nextLong();
        long augmentSeed = root.nextLong();
        network = NetworkKernel.create(space, cfg.compute().effectiveThreads(), cfg.compute().precision());
        int records = Math.min(w.size(), data.alphaData().size());
        if (s.batch() > records) {
            throw new ConfigException("sparknas.search.batch", "sparknas.search.batch = " + s.batch() + " is larger than the "
                    + records + " records of each data half: lower search.batch or raise data.limit");
        }
        plan = new BatchPlan(planSeed, records, s.batch());
        stepsPerEpoch = s.stepsPerEpoch() == 0 ? plan.stepsPerEpoch() : Math.min(s.stepsPerEpoch(), plan.stepsPerEpoch());
        float[] pad = null;
        if (cfg.data().augment()) {
            float[][] stats = cfg.data().normalize().equals("none") ? null : Normalization.forDataset(cfg.data().normalize());
            pad = stats == null ? new float[w.channels()] : Normalization.zeroPixelValue(stats[0], stats[1]);
        }
        oracle = new InProcessOracle(network, w, data.alphaData(), plan, shards, augmentSeed, pad);
        estimator = Estimators.create(s.estimator(), cfg);
        schedule = new CosineSchedule(cfg.weightsOptim().lr(), cfg.weightsOptim().lrMin(), s.epochs());
    }

    /** Loads the configured data and builds the setup (one shard). */
    public static SearchSetup load(SearchConfig cfg) throws IOException {
        return new SearchSetup(cfg, SearchData.load(cfg.data()), 1);
    }

    /** Fresh ω, α and optimizer state from the config's seeds. */
    public SearchState initialState() {
        var wo = config.weightsOptim();
        var ao = config.alphaOptim();
        return new SearchState(network.initialWeights(weightSeed), network.initialAlpha(alphaSeed),
                new SgdMomentum(wo.momentum(), wo.weightDecay(), wo.gradClip()),
                new Adam(ao.lr(), ao.beta1(), ao.beta2(), ao.eps(), ao.weightDecay()));
    }

    public SearchLoop loop(StepListener listener) {
        return new SearchLoop(oracle, estimator, schedule, new AlphaSummary(space), stepsPerEpoch, listener);
    }
}
