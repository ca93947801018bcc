package ai.sparknas.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The partitions' data as a cached RDD of one element each, read on the executors (a lost one is
 * re-read from its file), and the Hadoop settings the readers use: shared by the search and the
 * re-training oracles.
 */
final class CachedShards {

    /** Reads partition {@code index}'s element on an executor. */
    @FunctionalInterface
    interface Reader<S> extends Serializable {
        S read(int index, int taskCpus) throws IOException;
    }

    private CachedShards() {
    }

    /** The {@code spark.hadoop.*} settings without the prefix. */
    static HashMap<String, String> hadoopSettings(JavaSparkContext sc) {
        HashMap<String, String> hadoop = new HashMap<>();
        for (Tuple2<String, String> kv : sc.getConf().getAllWithPrefix("spark.hadoop.")) {
            hadoop.put(kv._1(), kv._2());
        }
        return hadoop;
    }

    /**
     * Reads and caches one element per partition, checking that every partition produced one.
     *
     * @param name shown in the Spark UI
     * @param what the data, for the error when reading fails on an executor
     */
    static <S> JavaRDD<S> load(JavaSparkContext sc, int partitions, Reader<S> reader, String name, String what) {
        List<Integer> ids = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ids.add(p);
        }
        JavaRDD<S> shards = sc.parallelize(ids, partitions).mapPartitionsWithIndex((index, it) -> {
            List<S> one = new ArrayList<>(1);
            one.add(reader.read(index, TaskContext.get().cpus()));
            return one.iterator();
        }, true).persist(StorageLevel.MEMORY_ONLY());
        shards.setName(name + " (" + partitions + " partitions)");
        Rounds.endSessions(); // a running barrier session holds every task slot
        sc.setJobGroup("sparknas-data", "read " + partitions + " " + name, false);
        try {
            long n = shards.count();
            if (n != partitions) {
                throw new IllegalStateException("expected " + partitions + " shards, got " + n);
            }
            return shards;
        } catch (Exception e) {
            shards.unpersist(false);
            throw Rounds.translate(e, "reading the data (" + what + ")");
        } finally {
            sc.clearJobGroup();
        }
    }
}
