package ai.sparknas.spark;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.DataLayout;
import ai.sparknas.driver.data.Shard;
import ai.sparknas.driver.search.SearchSetup;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The static inputs of every round, shipped once with the tasks (MLlib's "static inputs first"):
 * the resolved config as HOCON, the data layout the driver probed, the partition count and the
 * Hadoop settings. An executor rebuilds the very same {@link SearchSetup} from them (same seeds,
 * same plan), keeps a small pool of them per JVM (one per concurrently running task: a kernel is
 * single-caller) and reads its shards with them.
 */
final class WorkerContext implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final SetupPool<SearchSetup> POOL = new SetupPool<>(s -> s.network.close());

    private final String configHocon;
    private final DataLayout layout;
    private final int partitions;
    private final int kernelThreads;
    private final HashMap<String, String> hadoopSettings;
    private final String key;

    /**
     * @param kernelThreads threads per task kernel, 0 = the task's cores
     * @param hadoopSettings the {@code spark.hadoop.*} settings without the prefix
     */
    WorkerContext(SearchConfig cfg, DataLayout layout, int partitions, int kernelThreads,
                  Map<String, String> hadoopSettings) {
        this.configHocon = cfg.render();
        this.layout = layout;
        this.partitions = partitions;
        this.kernelThreads = kernelThreads;
        this.hadoopSettings = new HashMap<>(hadoopSettings);
        this.key = configHocon + '\n' + layout + '\n' + partitions;
    }

    /** Kernel threads of a task with {@code taskCpus} cores. */
    int threads(int taskCpus) {
        return kernelThreads > 0 ? kernelThreads : Math.max(1, taskCpus);
    }

    /** Borrows a setup for a task with {@code taskCpus} cores; give it back with {@link #release}. */
    SearchSetup borrow(int taskCpus) {
        int threads = threads(taskCpus);
        return POOL.borrow(key + '\n' + threads, () -> {
            SearchConfig cfg = SearchConfig.fromConfig(ConfigFactory.parseString(configHocon));
            return new SearchSetup(cfg, layout, partitions, threads);
        });
    }

    void release(SearchSetup setup, int taskCpus) {
        POOL.release(key + '\n' + threads(taskCpus), setup);
    }

    /** Reads this partition's records of both halves through the Hadoop FileSystem API. */
    Shard readShard(int partition, int taskCpus) throws IOException {
        SearchSetup s = borrow(taskCpus);
        try {
            return Shard.read(s.config.data(), HadoopDataFiles.fromSparkSettings(hadoopSettings), layout, s.plan,
                    partition, s.augmentSeed, s.padValue);
        } finally {
            release(s, taskCpus);
        }
    }

    int partitions() {
        return partitions;
    }
}
