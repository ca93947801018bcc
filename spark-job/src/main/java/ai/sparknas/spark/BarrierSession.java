package ai.sparknas.spark;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.serializer.SerializerInstance;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * One barrier job ({@code RDD.barrier()}) whose tasks run step after step until the driver ends it: each
 * step's inputs reach every task as one RPC answer ({@link GatherEndpoint#post}), the tasks may exchange
 * messages during the step ({@link Rounds.Gather}), and their sums come back as RPC messages that the driver
 * folds in the fixed partition tree, the same fold as a round's {@code treeAggregate}. A step then costs no
 * Spark job: no stage to schedule, no tasks to launch and deserialise, no task binary to fetch, no result
 * to hand through the scheduler (about 0.1 s per step across JVMs, docs/performance.md).
 *
 * <p>While it runs, its tasks hold a slot per partition, so nothing else can run on the cluster: {@link
 * Rounds} ends it before any other job of this JVM. A failed task fails the whole barrier stage, which
 * {@link #step} reports as an exception; nothing of the driver's state has changed then, and the step can
 * run again as ordinary rounds. Created, stepped and ended by {@link Rounds} only.
 *
 * @param <S> the cached element of a partition (its shard)
 */
final class BarrierSession<S> {

    /** What every task computes in a step from its shard, ω and the step's own inputs ({@code step}). */
    interface StepPass<S> extends Serializable {
        PartitionSums compute(S shard, double[] weights, Object step, int cpus, Rounds.Gather gather) throws Exception;
    }

    /** A step's inputs as they travel: ω (doubles or floats) and the pass's own message. */
    private record Payload(Object weights, Object step) implements Serializable {
    }

    private final GatherEndpoint endpoint;
    private final StepPass<S> pass;
    private final JavaFutureAction<Long> job;
    private final int tasks;

    private BarrierSession(GatherEndpoint endpoint, StepPass<S> pass, JavaFutureAction<Long> job, int tasks) {
        this.endpoint = endpoint;
        this.pass = pass;
        this.job = job;
        this.tasks = tasks;
    }

    /** Submits the session's barrier job (asynchronously: its tasks wait for the first step). */
    static <S> BarrierSession<S> start(JavaSparkContext sc, JavaRDD<S> shards, int tasks, GatherEndpoint endpoint,
                                       int id, StepPass<S> pass, String label) {
        endpoint.open(id, tasks);
        ClassTag<Long> tag = ClassTag$.MODULE$.apply(Long.class);
        sc.setJobGroup("sparknas-rounds", label, false);
        try {
            JavaRDD<Long> steps = JavaRDD.fromRDD(shards.rdd().barrier().mapPartitions(
                    new SessionTask<>(pass, endpoint.name(), id, tasks), false, tag), tag);
            return new BarrierSession<>(endpoint, pass, steps.countAsync(), tasks);
        } finally {
            sc.clearJobGroup();
        }
    }

    /** Whether this session runs {@code p} and its job is still running. */
    boolean runs(StepPass<?> p) {
        return pass == p && !job.isDone();
    }

    /**
     * Runs one step: every task gets {@code weights} and {@code step}, and their sums come back folded.
     *
     * @param weights ω as the tasks read it: {@code double[]} or {@code float[]}
     * @param serializeSeconds set to the time spent writing the step's inputs
     * @throws IllegalStateException when the barrier stage failed or ended (the session is then over)
     */
    PartitionSums step(Object weights, Object step, double[] serializeSeconds) {
        long t0 = System.nanoTime();
        SerializerInstance closures = SparkEnv.get().closureSerializer().newInstance();
        byte[] bytes = GatherEndpoint.serialize(closures, new Payload(weights, step));
        serializeSeconds[0] = (System.nanoTime() - t0) / 1e9;
        CompletableFuture<byte[][]> done = endpoint.post(bytes);
        byte[][] all = null;
        while (all == null) {
            try {
                all = done.get(20, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (job.isDone()) {
                    throw new IllegalStateException("the barrier session ended before its step: " + outcome(), e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a barrier session's step", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
        SerializerInstance serializer = SparkEnv.get().serializer().newInstance();
        ClassTag<Object> any = ClassTag$.MODULE$.AnyRef();
        TreeSum sum = new TreeSum(tasks);
        for (int p = 0; p < all.length; p++) {
            sum.add(p, (PartitionSums) serializer.deserialize(ByteBuffer.wrap(all[p]), any));
        }
        return sum.total();
    }

    /** How the job ended: its failure, or that it returned. */
    private String outcome() {
        try {
            job.get();
            return "its tasks returned";
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            return c.getMessage() == null ? c.toString() : c.getMessage();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /**
     * Ends the session: its tasks return and the job finishes (waited for up to {@code seconds}, then
     * cancelled), so that the next job finds the cluster's slots free.
     */
    void end(int seconds) {
        endpoint.end();
        try {
            job.get(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.cancel(true);
        } catch (ExecutionException e) {
            // failed earlier: its step reported it
        } catch (TimeoutException e) {
            job.cancel(true);
        }
    }

    /** A session's task: its partition's shard, then step after step until the session ends. */
    private static final class SessionTask<S> extends scala.runtime.AbstractFunction1<scala.collection.Iterator<S>,
            scala.collection.Iterator<Long>> implements Serializable {

        private static final long serialVersionUID = 1L;
        private final StepPass<S> pass;
        private final String endpoint;
        private final int session;
        private final int tasks;

        SessionTask(StepPass<S> pass, String endpoint, int session, int tasks) {
            this.pass = pass;
            this.endpoint = endpoint;
            this.session = session;
            this.tasks = tasks;
        }

        @Override
        public scala.collection.Iterator<Long> apply(scala.collection.Iterator<S> shard) {
            try {
                S element = shard.next();
                TaskContext task = TaskContext.get();
                int partition = task.partitionId();
                SerializerInstance closures = SparkEnv.get().closureSerializer().newInstance();
                SerializerInstance serializer = SparkEnv.get().serializer().newInstance();
                ClassTag<Object> any = ClassTag$.MODULE$.AnyRef();
                long seq = 0;
                while (true) {
                    byte[] bytes = GatherEndpoint.ask(endpoint, new GatherEndpoint.Next(session, partition, seq),
                            byte[].class);
                    if (bytes.length == 0) {
                        return scala.collection.Iterator$.MODULE$.single(seq);
                    }
                    long f0 = System.nanoTime();
                    Payload in = (Payload) closures.deserialize(ByteBuffer.wrap(bytes),
                            Thread.currentThread().getContextClassLoader(), any);
                    double[] w = Rounds.doubles(in.weights());
                    double fetch = (System.nanoTime() - f0) / 1e9;
                    double[] exchange = {0};
                    PartitionSums sums = pass.compute(element, w, in.step(), task.cpus(), message -> {
                        long x0 = System.nanoTime();
                        Object[] all = GatherEndpoint.allGather(endpoint, tasks, message);
                        exchange[0] += (System.nanoTime() - x0) / 1e9;
                        return all;
                    });
                    sums.exchangeSeconds = exchange[0];
                    byte[] out = GatherEndpoint.serialize(serializer, Rounds.taskDone(sums, fetch));
                    GatherEndpoint.ask(endpoint, new GatherEndpoint.Done(session, partition, seq, out), Boolean.class);
                    seq++;
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
