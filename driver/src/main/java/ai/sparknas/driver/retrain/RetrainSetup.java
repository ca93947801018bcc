package ai.sparknas.driver.retrain;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.BatchPlan;
import ai.sparknas.driver.data.Cutout;
import ai.sparknas.driver.data.ImageDataset;
import ai.sparknas.driver.data.Normalization;
import ai.sparknas.driver.data.SearchData;
import ai.sparknas.driver.data.Shard;
import ai.sparknas.driver.optim.CosineSchedule;
import ai.sparknas.kernels.net.DiscreteKernel;
import ai.sparknas.kernels.space.Architecture;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Everything a re-training derives from its config, genotype and the shape of its data, built in one
 * place: the architecture (depth and width the search's unless {@code retrain.layers/channels} say
 * otherwise), the network, the partitioned batch plan over all training records, the cosine schedule of
 * {@code optim.weights} over {@code retrain.epochs}, the drop-path ramp and the seeds of ω, the batch
 * plan, the crop/flip augmentation, cutout and drop-path, all split from {@code run.seed}.
 */
public final class RetrainSetup {

    public final SearchConfig config;
    public final CellGenotypes genotype;
    public final Architecture architecture;
    public final DiscreteKernel network;
    public final BatchPlan plan;
    public final CosineSchedule schedule;
    public final int stepsPerEpoch;
    public final long weightSeed;
    public final long augmentSeed;
    public final long cutoutSeed;
    public final long dropSeed;
    /** Per-channel value of a zero pixel after standardisation, or null when augmentation is off. */
    public final float[] padValue;

    /**
     * @param layers     the network's cells (the resolved {@code retrain.layers})
     * @param channels   its initial channels (the resolved {@code retrain.channels})
     * @param image      the data's image shape (any dataset of the run)
     * @param records    training records
     * @param partitions data-parallel partitions of every batch (1 in one process)
     * @param threads    threads of this process's kernels
     */
    public RetrainSetup(SearchConfig cfg, CellGenotypes genotype, int layers, int channels, ImageShape image, int records,
                        int partitions, int threads) {
        this.config = cfg;
        this.genotype = genotype;
        var r = cfg.retrain();
        architecture = genotype.architecture(layers, channels, image.channels(), image.height(), image.width(),
                cfg.data().classes(), r.auxiliaryWeight() > 0);
        SplittableRandom root = new SplittableRandom(cfg.run().seed());
        weightSeed = root.nextLong();
        long planSeed = root.nextLong();
        augmentSeed = root.nextLong();
        cutoutSeed = root.nextLong();
        dropSeed = root.nextLong();
        if (r.batch() > records) {
            throw new ConfigException("sparknas.retrain.batch", "sparknas.retrain.batch = " + r.batch() + " is larger than"
                    + " the " + records + " training records: lower retrain.batch or raise data.limit");
        }
        if (partitions < 1 || r.batch() % partitions != 0 || r.batch() / partitions < 2) {
            throw new ConfigException("sparknas.retrain.batch", "sparknas.retrain.batch = " + r.batch() + " does not"
                    + " divide into " + partitions + " partition(s) of at least 2 examples (BatchNorm uses each"
                    + " partition's batch statistics): choose a multiple of the partition count, at least "
                    + 2 * partitions);
        }
        try {
            network = DiscreteKernel.create(architecture, threads, cfg.compute().precision());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("sparknas.retrain.auxiliary-weight", "the network does not fit the data: "
                    + e.getMessage() + " (set retrain.auxiliary-weight=0 to train without the auxiliary head)", e);
        }
        plan = new BatchPlan(planSeed, records, r.batch(), partitions);
        stepsPerEpoch = r.stepsPerEpoch() == 0 ? plan.stepsPerEpoch() : Math.min(r.stepsPerEpoch(), plan.stepsPerEpoch());
        schedule = new CosineSchedule(cfg.weightsOptim().lr(), cfg.weightsOptim().lrMin(), r.epochs());
        float[] pad = null;
        if (cfg.data().augment()) {
            float[][] stats = cfg.data().normalize().equals("none") ? null : Normalization.forDataset(cfg.data().normalize());
            pad = stats == null ? new float[image.channels()] : Normalization.zeroPixelValue(stats[0], stats[1]);
        }
        padValue = pad;
    }

    /** The image shape a network is built for. */
    public record ImageShape(int channels, int height, int width) {
        public static ImageShape of(ImageDataset d) {
            return new ImageShape(d.channels(), d.height(), d.width());
        }
    }

    /** The network's depth: {@code retrain.layers}, else the source search's, else {@code search.layers}. */
    public static int layers(SearchConfig cfg, SearchConfig source) {
        int l = cfg.retrain().layers();
        return l > 0 ? l : (source != null ? source : cfg).search().layers();
    }

    /** The network's width: {@code retrain.channels}, else the source search's, else {@code search.channels}. */
    public static int channels(SearchConfig cfg, SearchConfig source) {
        int c = cfg.retrain().channels();
        return c > 0 ? c : (source != null ? source : cfg).search().channels();
    }

    /** Drop-path probability of 0-based {@code epoch}: DARTS' linear ramp {@code p·epoch/E}. */
    public double dropPath(int epoch) {
        return config.retrain().dropPath() * epoch / config.retrain().epochs();
    }

    /** The partitions' shards of the training records in memory (the same cut a Spark partition reads). */
    public List<Shard> shards(ImageDataset train) {
        SearchData both = new SearchData(train, train); // a re-training draws only TRAIN batches
        List<Shard> shards = new ArrayList<>();
        for (int p = 0; p < plan.partitions(); p++) {
            shards.add(Shard.of(both, plan, p, augmentSeed, padValue));
        }
        return shards;
    }

    /** What a checkpoint's vectors must fit: the architecture, its shape and the vectors' lengths. */
    public String signature() {
        return "retrain genotype=" + genotype.text() + " layers=" + architecture.layers() + " C="
                + architecture.channels() + " input=" + architecture.inChannels() + "x" + architecture.height() + "x"
                + architecture.width() + " classes=" + architecture.classes() + " auxiliary=" + architecture.auxiliary()
                + " weights=" + network.weightLayout().size() + " stats=" + network.statsLayout().size()
                + ai.sparknas.driver.search.SearchSetup.vectorBits();
    }

    /** A partition's batch with its cutout applied in place (when {@code retrain.cutout > 0}), seeded by (step, partition). */
    public Shard.Batch cutout(Shard.Batch b, long globalStep, int partition) {
        int length = config.retrain().cutout();
        if (length > 0) {
            Cutout.apply(b.images(), b.labels().length, architecture.inChannels(),
                    architecture.height(), architecture.width(), length,
                    new SplittableRandom(seedOf(cutoutSeed, globalStep, partition)));
        }
        return b;
    }

    /** A seed for one (step, partition) of a purpose's root seed: independent draws per shard and step. */
    public static long seedOf(long root, long globalStep, int partition) {
        long z = root ^ (globalStep + 1) * 0x9E3779B97F4A7C15L ^ (partition + 1L) * 0xBF58476D1CE4E5B9L;
        return new SplittableRandom(z).nextLong();
    }

    /**
     * The memory one kernel needs for {@code examples} images per step ({@link
     * ai.sparknas.driver.search.MemoryEstimate}): a probe network of the same architecture trains on 2 and
     * on 4 zero images.
     */
    public ai.sparknas.driver.search.MemoryEstimate memory(int examples, long records, int kernels) {
        long[] at = new long[2];
        for (int k = 0; k < 2; k++) {
            int n = 2 + 2 * k;
            try (DiscreteKernel probe = DiscreteKernel.create(architecture, 1, config.compute().precision())) {
                int[] labels = new int[n];
                probe.train(probe.initialWeights(1), new double[n * architecture.inChannels() * architecture.height()
                        * architecture.width()], labels, config.retrain().dropPath(), 1, config.retrain().auxiliaryWeight());
                at[k] = probe.pooledElements();
            }
        }
        return ai.sparknas.driver.search.MemoryEstimate.fromProbes(at[0], at[1], network.elementBytes(), examples, kernels,
                network.weightLayout().size() + network.statsLayout().size(),
                records * (long) architecture.inChannels() * architecture.height() * architecture.width() * 4);
    }
}
