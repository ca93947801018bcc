package ai.sparknas.spark;

import ai.sparknas.kernels.net.Blas1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs rounds over the cached shards and is the ONLY class that creates and destroys broadcasts.
 * A round = broadcast what the executors need → every partition computes sums on its shard →
 * {@code treeAggregate} into a {@link TreeSum} → destroy the round's broadcasts in {@code finally}.
 * ω is broadcast once per step and reused by every round of the step that uses the same ω (checked by
 * content, not only by reference); those step broadcasts are destroyed when the next step begins.
 * Broadcast values are fresh {@code double[]} copies, never the driver's own arrays. A barrier round
 * (one per step) carries ω in its tasks instead: Spark broadcasts every stage's tasks anyway, so each task
 * fetches one broadcast instead of two ({@link #barrierRound}).
 */
final class Rounds<S> implements AutoCloseable {

    /** What every task of a round computes on its partition's cached element (a shard). */
    interface ShardPass<S> extends java.io.Serializable {
        /**
         * @param weights   the round's ω broadcast
         * @param direction the round's second broadcast (a direction, running statistics), or null
         * @param cpus      the task's cores
         */
        PartitionSums compute(S shard, double[] weights, double[] direction, int cpus) throws Exception;
    }

    /**
     * Sends a task's message (any object the job's serializer writes) to every task of a barrier round and
     * returns all of them in partition order ({@link GatherEndpoint}).
     */
    @FunctionalInterface
    interface Gather {
        Object[] allGather(Object message) throws Exception;
    }

    /** What every task of a barrier round computes: all tasks run at once and may exchange messages. */
    interface BarrierShardPass<S> extends java.io.Serializable {
        PartitionSums compute(S shard, double[] weights, int cpus, Gather gather) throws Exception;
    }

    /** A step's ω broadcast: as doubles, or narrowed to floats ({@code narrow}). */
    private record WeightsBroadcast(Object ref, double[] copy, boolean narrow, Broadcast<?> broadcast) {
    }

    private final JavaSparkContext sc;
    private final JavaRDD<S> shards;
    private final int partitions;
    private final int depth;
    private final List<WeightsBroadcast> stepWeights = new ArrayList<>();
    private final List<Map<String, Object>> records = new ArrayList<>();
    /** The driver's endpoint of the barrier rounds' exchange, started with the first one. */
    private GatherEndpoint gather;

    Rounds(JavaSparkContext sc, JavaRDD<S> shards, int partitions, int depth) {
        this.sc = sc;
        this.shards = shards;
        this.partitions = partitions;
        this.depth = depth;
    }

    /** Ends the previous step: its ω broadcasts are destroyed. */
    void beginStep() {
        destroyStepBroadcasts();
    }

    /**
     * One round: broadcast ω (reused by the step's later rounds at the same ω: {@code ref} and values
     * equal) and {@code second} (destroyed after the round), {@code pass} on every partition's element,
     * summed in the fixed partition tree.
     *
     * @param ref     the driver's ω object, to recognise the same ω within a step
     * @param weights ω as a fresh array the caller does not touch again: it is what is broadcast (never the
     *                driver's live vector, never an INDArray, which Spark closes on destroy: platform-notes.md)
     * @param second  a second vector (a direction, running statistics), copied here
     */
    PartitionSums round(String round, String what, String label, Object ref, double[] weights, double[] second,
                        ShardPass<S> pass) {
        return round(round, what, label, ref, weights, second, false, pass);
    }

    /**
     * {@link #round(String, String, String, Object, double[], double[], ShardPass)}, with {@code narrow}: ω and
     * {@code second} travel as floats (half the bytes) and reach the tasks as the doubles of those floats.
     * Only for passes whose kernels read float32(ω) and float32(d) and nothing else (float32 kernels, no
     * central difference, which forms ω ± r·d in doubles first): they compute the same bits either way.
     */
    PartitionSums round(String round, String what, String label, Object ref, double[] weights, double[] second,
                        boolean narrow, ShardPass<S> pass) {
        long t0 = System.nanoTime();
        long[] bytesOut = {0};
        Broadcast<?> wb = stepWeights(ref, weights, narrow, bytesOut);
        Broadcast<?> db = null;
        try {
            if (second != null) {
                db = narrow ? sc.broadcast(narrowed(second)) : sc.broadcast(second.clone());
                bytesOut[0] += (narrow ? 4L : 8L) * second.length;
            }
            double broadcastSeconds = (System.nanoTime() - t0) / 1e9;
            sc.setJobGroup("sparknas-rounds", label, false);
            Broadcast<?> wbf = wb;
            Broadcast<?> dbf = db;
            int parts = partitions;
            PartitionSums total = shards.treeAggregate(new TreeSum(parts), (acc, shard) -> {
                long f0 = System.nanoTime();
                double[] w = doubles(wbf);
                double[] d = dbf == null ? null : doubles(dbf);
                long k0 = System.nanoTime();
                PartitionSums sums = pass.compute(shard, w, d, TaskContext.get().cpus());
                if (sums.computeSeconds == 0) {
                    sums.computeSeconds = (System.nanoTime() - k0) / 1e9;
                }
                return acc.add(TaskContext.getPartitionId(), taskDone(sums, (k0 - f0) / 1e9));
            }, TreeSum::merge, depth).total();
            record(round, what, t0, broadcastSeconds, bytesOut[0], total);
            return total;
        } catch (Exception e) { // SparkException is checked in Java's eyes but undeclared by Scala
            throw translate(e, label);
        } finally {
            if (db != null) {
                db.destroy();
            }
            sc.clearJobGroup();
        }
    }

    /**
     * Whether a barrier round can run now: a task slot for every partition (Spark refuses a barrier stage
     * with more tasks than slots, after its slot checks: SparkConfDefaults) and no dynamic allocation (refused).
     */
    boolean barrierFits() {
        if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            return false;
        }
        // what Spark's own barrier check compares with (DAGScheduler.checkBarrierStageWithNumSlots)
        var rp = sc.sc().resourceProfileManager().defaultResourceProfile();
        return sc.sc().maxNumConcurrentTasks(rp) >= partitions;
    }

    /**
     * A barrier round ({@code RDD.barrier()}): every partition's task runs {@code pass} at the same time and
     * may exchange messages with the others ({@link Gather}), and the results are summed in the same fixed
     * partition tree. One round where two dependent rounds would be.
     *
     * <p>ω travels inside the round's tasks (as floats with {@code narrow}, see {@link #round}), not in a
     * broadcast of its own: Spark already broadcasts each stage's serialised tasks, which every task fetches
     * before it starts, so a separate ω broadcast cost a second fetch of the same kind per task and step
     * (about 30 ms of a 1.3 s first-order step across JVMs, docs/performance.md). Spark's warning about the
     * task's size is silenced for that reason ({@link TaskBinaryWarning}); the stage's broadcast is removed by
     * Spark's context cleaner, as every stage's is.
     *
     * @param weights ω as a fresh array the caller does not touch again: the tasks carry it (or its floats)
     */
    PartitionSums barrierRound(String round, String what, String label, double[] weights, boolean narrow,
                               BarrierShardPass<S> pass) {
        long t0 = System.nanoTime();
        Object carried = narrow ? narrowed(weights) : weights;
        long bytesOut = (narrow ? 4L : 8L) * weights.length;
        TaskBinaryWarning.silence();
        try {
            double broadcastSeconds = (System.nanoTime() - t0) / 1e9;
            sc.setJobGroup("sparknas-rounds", label, false);
            scala.reflect.ClassTag<PartitionSums> tag = scala.reflect.ClassTag$.MODULE$.apply(PartitionSums.class);
            if (gather == null) {
                gather = GatherEndpoint.start("sparknas-gather-" + java.util.UUID.randomUUID());
            }
            JavaRDD<PartitionSums> sums = JavaRDD.fromRDD(shards.rdd().barrier().mapPartitions(
                    new BarrierTask<>(pass, carried, gather.name(), partitions), false, tag), tag);
            int parts = partitions;
            PartitionSums total = sums.treeAggregate(new TreeSum(parts),
                    (acc, one) -> acc.add(TaskContext.getPartitionId(), one), TreeSum::merge, depth).total();
            record(round, what, t0, broadcastSeconds, bytesOut, total);
            return total;
        } catch (Exception e) {
            throw translate(e, label);
        } finally {
            sc.clearJobGroup();
        }
    }

    /** A barrier round's task: its partition's single shard in, its sums out; ω ({@code double[]} or {@code float[]}) with it. */
    private static final class BarrierTask<S> extends scala.runtime.AbstractFunction1<scala.collection.Iterator<S>,
            scala.collection.Iterator<PartitionSums>> implements java.io.Serializable {

        private static final long serialVersionUID = 1L;
        private final BarrierShardPass<S> pass;
        private final Object weights;
        private final String gather;
        private final int tasks;

        BarrierTask(BarrierShardPass<S> pass, Object weights, String gather, int tasks) {
            this.pass = pass;
            this.weights = weights;
            this.gather = gather;
            this.tasks = tasks;
        }

        @Override
        public scala.collection.Iterator<PartitionSums> apply(scala.collection.Iterator<S> shard) {
            try {
                S element = shard.next();
                long f0 = System.nanoTime();
                double[] w = doubles(weights);
                double fetch = (System.nanoTime() - f0) / 1e9;
                double[] exchange = {0};
                PartitionSums sums = pass.compute(element, w, TaskContext.get().cpus(), message -> {
                    long x0 = System.nanoTime();
                    Object[] all = GatherEndpoint.allGather(gather, tasks, message);
                    exchange[0] += (System.nanoTime() - x0) / 1e9;
                    return all;
                });
                sums.exchangeSeconds = exchange[0];
                return scala.collection.Iterator$.MODULE$.single(taskDone(sums, fetch));
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** What every task adds to its sums for the round's metrics: its broadcast wait and its JVM's kernels. */
    private static PartitionSums taskDone(PartitionSums sums, double fetchSeconds) {
        sums.fetchSeconds = fetchSeconds;
        sums.scalarKernelTasks = Blas1.VECTORISED ? 0 : 1;
        return sums;
    }

    /** Keeps the round's timings and bytes for the metrics. */
    private void record(String round, String what, long t0, double broadcastSeconds, long bytesOut,
                        PartitionSums total) {
        double wall = (System.nanoTime() - t0) / 1e9;
        // a fused round's passes are separated by the exchange: its kernels' critical path is the slowest
        // task's first pass plus the slowest task's second
        double compute = total.computeSeconds + (total.val == null ? 0 : total.val.computeSeconds);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("round", round);
        r.put("what", what);
        r.put("seconds", wall);
        r.put("broadcast_s", broadcastSeconds);
        r.put("compute_s", compute);
        r.put("overhead_s", Math.max(0, wall - compute));
        r.put("fetch_s", total.fetchSeconds);
        if (total.val != null) {
            r.put("exchange_s", total.exchangeSeconds);
        }
        r.put("kernel_threads", total.kernelThreads);
        r.put("scalar_kernel_tasks", total.scalarKernelTasks);
        r.put("broadcast_bytes", bytesOut);
        r.put("result_bytes", total.resultBytes);
        records.add(r);
    }

    /** The rounds run since the last call, one map each (for metrics.jsonl). */
    List<Map<String, Object>> drainRecords() {
        List<Map<String, Object>> out = new ArrayList<>(records);
        records.clear();
        return out;
    }

    /**
     * The step's broadcast of {@code w} if {@code w} is the same array with the same values ({@code values}),
     * else a new one, kept for the step's later rounds (its bytes added to {@code bytesOut[0]}).
     */
    private Broadcast<?> stepWeights(Object w, double[] values, boolean narrow, long[] bytesOut) {
        for (WeightsBroadcast b : stepWeights) {
            if (b.ref() == w && b.narrow() == narrow && Arrays.equals(b.copy(), values)) {
                return b.broadcast();
            }
        }
        Broadcast<?> wb = narrow ? sc.broadcast(narrowed(values)) : sc.broadcast(values);
        stepWeights.add(new WeightsBroadcast(w, values, narrow, wb));
        bytesOut[0] += (narrow ? 4L : 8L) * values.length;
        return wb;
    }

    /** Each entry rounded to the nearest float, as a float32 kernel reads it. */
    private static float[] narrowed(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** A task's view of a broadcast vector: its doubles, or the doubles of its floats. */
    private static double[] doubles(Broadcast<?> b) {
        return doubles(b.value());
    }

    /** A {@code double[]} itself, or the doubles of a {@code float[]}. */
    private static double[] doubles(Object v) {
        if (v instanceof double[] d) {
            return d;
        }
        float[] f = (float[]) v;
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private void destroyStepBroadcasts() {
        for (WeightsBroadcast b : stepWeights) {
            b.broadcast().destroy();
        }
        stepWeights.clear();
    }

    @Override
    public void close() {
        destroyStepBroadcasts();
        if (gather != null) {
            gather.close();
            gather = null;
        }
    }

    /** A failed job whose cause is I/O (unreadable data on an executor) becomes an I/O error (exit 3). */
    static RuntimeException translate(Exception e, String what) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ai.sparknas.driver.config.ConfigException c) {
                return c;
            }
            if (t instanceof IOException io) {
                return new UncheckedIOException(what + " failed on an executor: " + io.getMessage(), io);
            }
        }
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (msg.contains("OutOfMemoryError")) {
            return new IllegalStateException(what + " failed: an executor ran out of heap (" + firstLine(msg)
                    + "); raise spark.executor.memory (local mode: the driver's, SPARKNAS_DRIVER_MEMORY), or give each"
                    + " task fewer examples: a larger spark.partitions or a smaller search.batch", e);
        }
        if (msg.contains("IOException") || msg.contains("NoSuchFileException") || msg.contains("FileNotFoundException")) {
            return new UncheckedIOException(new IOException(what + " failed on an executor: " + firstLine(msg), e));
        }
        return new IllegalStateException(what + " failed: " + firstLine(msg), e);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
