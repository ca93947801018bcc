package ai.sparknas.spark;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.DataFiles;
import ai.sparknas.driver.data.DataLayout;
import ai.sparknas.driver.data.ImageDataset;
import ai.sparknas.driver.data.SearchData;
import ai.sparknas.driver.data.Shard;
import ai.sparknas.driver.retrain.CellGenotypes;
import ai.sparknas.driver.retrain.RetrainSetup;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The static inputs of a re-training's rounds, shipped once with the tasks, as {@link WorkerContext}
 * is for a search: the resolved config, the genotype as text (the driver resolved any file or run
 * directory it named), the network's depth and width, the probed layouts of the training and test
 * files, the partition count and the Hadoop settings. An executor rebuilds the same
 * {@link RetrainSetup} (seeds, plan, network) and keeps a small pool of them per JVM.
 */
final class RetrainWorkerContext implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final SetupPool<RetrainSetup> POOL = new SetupPool<>(s -> s.network.close());

    private final String configHocon;
    private final String genotype;
    private final int layers;
    private final int channels;
    private final DataLayout train;
    private final DataLayout test;
    private final int partitions;
    private final int kernelThreads;
    private final HashMap<String, String> hadoopSettings;
    private final String key;

    RetrainWorkerContext(SearchConfig cfg, String genotype, int layers, int channels, DataLayout train, DataLayout test,
                         int partitions, int kernelThreads, Map<String, String> hadoopSettings) {
        this.configHocon = cfg.render();
        this.genotype = genotype;
        this.layers = layers;
        this.channels = channels;
        this.train = train;
        this.test = test;
        this.partitions = partitions;
        this.kernelThreads = kernelThreads;
        this.hadoopSettings = new HashMap<>(hadoopSettings);
        this.key = "retrain\n" + configHocon + '\n' + genotype + '\n' + layers + 'x' + channels + '\n' + train + '\n'
                + partitions;
    }

    int threads(int taskCpus) {
        return kernelThreads > 0 ? kernelThreads : Math.max(1, taskCpus);
    }

    /** Borrows a setup for a task with {@code taskCpus} cores; give it back with {@link #release}. */
    RetrainSetup borrow(int taskCpus) {
        int threads = threads(taskCpus);
        return POOL.borrow(key + '\n' + threads, () -> {
            SearchConfig cfg = SearchConfig.fromConfig(ConfigFactory.parseString(configHocon));
            return new RetrainSetup(cfg, CellGenotypes.ofText(genotype), layers, channels,
                    new RetrainSetup.ImageShape(train.channels(), train.height(), train.width()), train.used(), partitions,
                    threads);
        });
    }

    void release(RetrainSetup setup, int taskCpus) {
        POOL.release(key + '\n' + threads(taskCpus), setup);
    }

    /** Partition {@code p}'s share of the test records: [p·T/P, (p+1)·T/P). */
    static int testFrom(int p, int records, int partitions) {
        return (int) ((long) p * records / partitions);
    }

    /** Reads this partition's training records (its shard) and test slice through the Hadoop FileSystem API. */
    RetrainShard readShard(int partition, int taskCpus) throws IOException {
        RetrainSetup s = borrow(taskCpus);
        try {
            DataFiles files = HadoopDataFiles.fromSparkSettings(hadoopSettings);
            int from = s.plan.partitionStart(partition);
            ImageDataset records = SearchData.readRange(s.config.data(), files, train, from, s.plan.partitionSize(partition));
            int t0 = testFrom(partition, test.used(), partitions);
            int t1 = testFrom(partition + 1, test.used(), partitions);
            ImageDataset slice = SearchData.readRange(s.config.testData(), files, test, t0, t1 - t0);
            return new RetrainShard(new Shard(partition, records, records, s.plan, s.augmentSeed, s.padValue), slice);
        } finally {
            release(s, taskCpus);
        }
    }
}
