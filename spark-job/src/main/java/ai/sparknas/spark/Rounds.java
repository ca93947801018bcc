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
 * Broadcast values are fresh {@code double[]} copies, never the driver's own arrays. Steps that run as one
 * barrier step each ({@link #sessionStep}) run in a {@link BarrierSession} instead, whose tasks get ω with
 * each step's inputs; this class ends a session before any other job, of any instance in this JVM.
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

    /** A step's ω broadcast: as doubles, or narrowed to floats ({@code narrow}). */
    private record WeightsBroadcast(Object ref, double[] copy, boolean narrow, Broadcast<?> broadcast) {
    }

    private final JavaSparkContext sc;
    private final JavaRDD<S> shards;
    private final int partitions;
    private final int depth;
    private final List<WeightsBroadcast> stepWeights = new ArrayList<>();
    private final List<Map<String, Object>> records = new ArrayList<>();
    /** The driver's endpoint of the barrier sessions, started with the first one. */
    private GatherEndpoint gather;
    /** The barrier session running, or null. */
    private BarrierSession<S> session;
    private int sessions;
    /** The instance whose session may be running: one per JVM, since it holds the cluster's task slots. */
    private static Rounds<?> withSession;

    /** Seconds a session's tasks get to return once it is ended, before its job is cancelled. */
    private static final int END_SECONDS = 60;
    /**
     * A session step sends ω to each task in its RPC answer while partitions × ω's bytes stay within this; above
     * it ω goes in a step broadcast, whose handle the answers carry, so that the executors share its fetch
     * instead of the driver sending every task a copy (16 MB: the default network's 1.6 MB to ten tasks).
     */
    static final long SESSION_ANSWER_BYTES = 16L << 20;
    private final long sessionAnswerBytes;

    Rounds(JavaSparkContext sc, JavaRDD<S> shards, int partitions, int depth) {
        this(sc, shards, partitions, depth, SESSION_ANSWER_BYTES);
    }

    /** @param sessionAnswerBytes {@link #SESSION_ANSWER_BYTES}, other than the default in tests */
    Rounds(JavaSparkContext sc, JavaRDD<S> shards, int partitions, int depth, long sessionAnswerBytes) {
        this.sc = sc;
        this.shards = shards;
        this.partitions = partitions;
        this.depth = depth;
        this.sessionAnswerBytes = sessionAnswerBytes;
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
        endSessions();
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
     * One step as one barrier step ({@link BarrierSession}): every partition's task runs {@code pass} on its shard
     * at the same time and may exchange messages with the others ({@link Gather}), and the results are summed
     * in the same fixed partition tree as a round's. One step where two dependent rounds would be. Consecutive
     * calls with the same {@code pass} run in one session (one Spark job); the first starts it, and any other
     * job ends it.
     *
     * @param weights ω as a fresh array the caller does not touch again (its floats travel with {@code narrow},
     *                see {@link #round}); in the step's answers, or in a step broadcast ({@link #SESSION_ANSWER_BYTES})
     * @param step    the step's own inputs for {@code pass} (Java-serialisable)
     * @throws RuntimeException when the barrier stage failed: the session is over, the next call starts another
     */
    PartitionSums sessionStep(String round, String what, String label, double[] weights, boolean narrow,
                              BarrierSession.StepPass<S> pass, Object step) {
        long t0 = System.nanoTime();
        try {
            if (session == null || !session.runs(pass)) {
                endSessions();
                if (gather == null) {
                    gather = GatherEndpoint.start("sparknas-gather-" + java.util.UUID.randomUUID());
                }
                session = BarrierSession.start(sc, shards, partitions, gather, ++sessions, pass,
                        "from " + label);
                synchronized (Rounds.class) {
                    withSession = this;
                }
            }
            long bytes = (narrow ? 4L : 8L) * weights.length;
            long c0 = System.nanoTime();
            Object carried = (long) partitions * bytes > sessionAnswerBytes
                    ? stepWeights(weights, weights, narrow, new long[1]) : narrow ? narrowed(weights) : weights;
            double[] serialize = {0};
            double prepare = (System.nanoTime() - c0) / 1e9;
            PartitionSums total = session.step(carried, step, serialize);
            record(round, what, t0, prepare + serialize[0], bytes, total); // broadcast_s: ω made ready to travel
            return total;
        } catch (Exception e) { // SparkException (task not serialisable) is checked but undeclared by Scala
            endSession();
            throw translate(e, label);
        }
    }

    /**
     * Ends the session of whichever instance has one running in this JVM: it holds every task slot, so every
     * other job (a round, reading the data) calls this first.
     */
    static void endSessions() {
        Rounds<?> r;
        synchronized (Rounds.class) {
            r = withSession;
            withSession = null;
        }
        if (r != null) {
            r.endSession();
        }
    }

    private void endSession() {
        if (session != null) {
            BarrierSession<S> s = session;
            session = null;
            s.end(END_SECONDS);
        }
    }

    /** What every task adds to its sums for the round's metrics: its broadcast wait and its JVM's kernels. */
    static PartitionSums taskDone(PartitionSums sums, double fetchSeconds) {
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
    static double[] doubles(Object v) {
        if (v instanceof Broadcast<?> b) {
            return doubles(b.value());
        }
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
        synchronized (Rounds.class) {
            if (withSession == this) {
                withSession = null;
            }
        }
        endSession();
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
