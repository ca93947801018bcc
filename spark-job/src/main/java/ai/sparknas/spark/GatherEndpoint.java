package ai.sparknas.spark;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.rpc.RpcCallContext;
import org.apache.spark.rpc.RpcEndpointRef;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.rpc.ThreadSafeRpcEndpoint;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.util.RpcUtils;
import scala.concurrent.Await;
import scala.concurrent.Future;
import scala.concurrent.duration.Duration;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractPartialFunction;
import scala.runtime.BoxedUnit;

/**
 * The all-gather of a barrier round, on the driver's RPC endpoint: every task of a stage attempt asks
 * with its message and all are answered, as soon as the last one has asked, with every message in
 * partition order. Spark's own {@code BarrierTaskContext.allGather} does the same but looks for its
 * answer once a second (Spark 3.5.9: {@code Thread.sleep(1000)} between checks), which cost a second
 * per round; a task here waits on the answer itself and looks every 20 ms only whether it was killed.
 * Uses Spark's RPC classes (Scala-private, public in the bytecode), as the barrier coordinator does;
 * the Spark version is pinned.
 *
 * <p>It also serves a {@link BarrierSession}, a barrier job whose tasks run step after step: a task asks
 * for step {@code seq} ({@link Next}) and is answered once the driver has posted it ({@link #post}), or
 * with an empty array once the driver has ended the session ({@link #end}); it then sends its sums
 * ({@link Done}), which complete the step's future when every task's are in. The RPC dispatcher and the
 * driver's thread both touch that state, so every method that does is synchronized.
 */
final class GatherEndpoint implements ThreadSafeRpcEndpoint {

    /** One task's part of stage {@code stage}'s attempt {@code attempt}, whose {@code tasks} tasks all take part. */
    record Part(int stage, int attempt, int partition, int tasks, byte[] message) implements Serializable {
        /** Stage attempts in the order they run. */
        long order() {
            return ((long) stage << 32) | attempt;
        }
    }

    /** A session task's request for step {@code seq} of session {@code session}. */
    record Next(int session, int partition, long seq) implements Serializable {
    }

    /** A session task's sums of step {@code seq}, bytes written by the job's serializer. */
    record Done(int session, int partition, long seq, byte[] sums) implements Serializable {
    }

    /** The answer to a {@link Next} once the session has ended. */
    static final byte[] END = new byte[0];

    /** The references a JVM's tasks hold to the drivers' endpoints, by name (UUIDs: never reused). */
    private static final Map<String, RpcEndpointRef> REFS = new ConcurrentHashMap<>();

    private final RpcEnv rpcEnv;
    private final String name;
    private RpcEndpointRef self;
    /**
     * The stage attempt being gathered: the messages so far and who waits for the answer (touched by one
     * thread at a time). One Rounds runs its stage attempts one after another, so a newer attempt means the
     * current one failed, and an older one's late parts are refused.
     */
    private long order = -1;
    private byte[][] messages;
    private RpcCallContext[] waiting;
    private int arrived;

    /** The session served ({@link #open}), the step posted last, its bytes, and whether it has ended. */
    private int session = -1;
    private int sessionTasks;
    private long seq = -1;
    private byte[] payload;
    private boolean ended = true;
    /**
     * Tasks that asked for the step after the one posted last: a task asks for step k + 1 only after its sums
     * of step k, and the driver posts k + 1 only after every task's, so no other step can be asked early.
     */
    private final List<RpcCallContext> early = new ArrayList<>();
    private byte[][] results;
    private int resultsIn;
    private CompletableFuture<byte[][]> resultsDone;

    private GatherEndpoint(RpcEnv rpcEnv, String name) {
        this.rpcEnv = rpcEnv;
        this.name = name;
    }

    /** Registers an endpoint under {@code name} in the driver's RPC environment. */
    static GatherEndpoint start(String name) {
        GatherEndpoint e = new GatherEndpoint(SparkEnv.get().rpcEnv(), name);
        e.self = e.rpcEnv.setupEndpoint(name, e);
        return e;
    }

    String name() {
        return name;
    }

    /** Unregisters it; tasks still waiting on it fail. */
    void close() {
        rpcEnv.stop(self);
        REFS.remove(name);
    }

    /**
     * In a barrier task: sends {@code message} to endpoint {@code name} and returns the messages of all
     * {@code tasks} tasks of this stage attempt, in partition order.
     *
     * <p>Messages travel as bytes written by the job's serializer: Spark's RPC reads what it receives with
     * its own class loader, which on an executor JVM does not see the application jar (a reply holding a
     * {@code PartitionSums} failed there with {@code ClassNotFoundException} and the executor quit), while
     * the serializer reads with the task's class loader.
     */
    static Object[] allGather(String name, int tasks, Object message) throws Exception {
        TaskContext task = TaskContext.get();
        SerializerInstance serializer = SparkEnv.get().serializer().newInstance();
        byte[] bytes = serialize(serializer, message);
        Part part = new Part(task.stageId(), task.stageAttemptNumber(), task.partitionId(), tasks, bytes);
        byte[][] all = ask(name, part, byte[][].class);
        ClassTag<Object> any = ClassTag$.MODULE$.AnyRef();
        Object[] out = new Object[all.length];
        for (int p = 0; p < all.length; p++) {
            // a copy: where tasks share a JVM (local mode) they share these arrays, and Kryo writes into the
            // array it reads (it clears and restores an ASCII string's end bit), so a peer could read it torn
            out[p] = serializer.deserialize(ByteBuffer.wrap(all[p].clone()), any);
        }
        return out;
    }

    /** {@code message} written by {@code serializer}, as an array. */
    static byte[] serialize(SerializerInstance serializer, Object message) {
        return JavaUtils.bufferToArray(serializer.serialize(message, ClassTag$.MODULE$.AnyRef()));
    }

    /**
     * In a task: asks endpoint {@code name} on the driver and waits for the answer, looking every 20 ms whether
     * the task was killed (a failed barrier stage kills its tasks without interrupting them).
     */
    static <T> T ask(String name, Object message, Class<T> answerType) throws Exception {
        TaskContext task = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        RpcEndpointRef ref = REFS.computeIfAbsent(name, n -> RpcUtils.makeDriverRef(n, env.conf(), env.rpcEnv()));
        Future<T> answer = ref.ask(message, RpcUtils.INFINITE_TIMEOUT(), ClassTag$.MODULE$.apply(answerType));
        Duration poll = Duration.create(20, TimeUnit.MILLISECONDS);
        while (true) {
            try {
                Await.ready(answer, poll);
                return Await.result(answer, Duration.Zero());
            } catch (TimeoutException e) {
                task.killTaskIfInterrupted();
            }
        }
    }

    /** Starts serving session {@code id} of {@code tasks} tasks; a previous session's waiting tasks are told it ended. */
    synchronized void open(int id, int tasks) {
        endWaiting();
        session = id;
        sessionTasks = tasks;
        seq = -1;
        payload = null;
        ended = false;
        results = null;
        resultsDone = null;
    }

    /**
     * Posts the session's next step: the tasks asking for it get {@code bytes}.
     *
     * @return completed with every task's sums, in partition order, once all are in
     */
    synchronized CompletableFuture<byte[][]> post(byte[] bytes) {
        if (ended) {
            throw new IllegalStateException("barrier session " + session + " has ended");
        }
        seq++;
        payload = bytes;
        results = new byte[sessionTasks][];
        resultsIn = 0;
        resultsDone = new CompletableFuture<>();
        for (RpcCallContext c : early) {
            c.reply(payload);
        }
        early.clear();
        return resultsDone;
    }

    /** Ends the session: its tasks waiting for a step, and those asking later, are answered {@link #END}. */
    synchronized void end() {
        ended = true;
        payload = null;
        endWaiting();
    }

    private void endWaiting() {
        for (RpcCallContext c : early) {
            c.reply(END);
        }
        early.clear();
    }

    private synchronized void receive(Next next, RpcCallContext context) {
        if (next.session() != session || ended) {
            context.reply(END);
        } else if (next.seq() == seq && payload != null) {
            context.reply(payload);
        } else if (next.seq() == seq + 1) {
            early.add(context);
        } else {
            context.sendFailure(new IllegalStateException("barrier session " + session + " at step " + seq
                    + ": task " + next.partition() + " asked for step " + next.seq()));
        }
    }

    private synchronized void receive(Done done, RpcCallContext context) {
        int p = done.partition();
        if (done.session() != session || done.seq() != seq || results == null || p < 0 || p >= results.length
                || results[p] != null) {
            context.sendFailure(new IllegalStateException("barrier session " + session + " step " + seq
                    + ": unexpected sums of task " + p + " for step " + done.seq()));
            return;
        }
        results[p] = done.sums();
        context.reply(Boolean.TRUE);
        if (++resultsIn == results.length) {
            byte[][] all = results;
            results = null;
            resultsDone.complete(all);
        }
    }

    @Override
    public RpcEnv rpcEnv() {
        return rpcEnv;
    }

    @Override
    public scala.PartialFunction<Object, BoxedUnit> receiveAndReply(RpcCallContext context) {
        return new AbstractPartialFunction<>() {
            @Override
            public boolean isDefinedAt(Object x) {
                return x instanceof Part || x instanceof Next || x instanceof Done;
            }

            @Override
            public <A1, B1> B1 applyOrElse(A1 x, scala.Function1<A1, B1> otherwise) {
                if (x instanceof Part part) {
                    receive(part, context);
                } else if (x instanceof Next next) {
                    receive(next, context);
                } else if (x instanceof Done done) {
                    receive(done, context);
                } else {
                    return otherwise.apply(x);
                }
                @SuppressWarnings("unchecked")
                B1 unit = (B1) BoxedUnit.UNIT;
                return unit;
            }
        };
    }

    private synchronized void receive(Part part, RpcCallContext context) {
        String which = "barrier round " + part.stage() + "." + part.attempt();
        if (part.order() < order) {
            context.sendFailure(new IllegalStateException(which + " is over"));
            return;
        }
        if (part.order() > order || messages == null) { // the first part of a new attempt: the old one failed
            order = part.order();
            messages = new byte[part.tasks()][];
            waiting = new RpcCallContext[part.tasks()];
            arrived = 0;
        }
        int p = part.partition();
        if (part.tasks() != messages.length || p < 0 || p >= messages.length || waiting[p] != null) {
            context.sendFailure(new IllegalStateException(which + ": unexpected part of task " + p + " of "
                    + part.tasks()));
            return;
        }
        messages[p] = part.message();
        waiting[p] = context;
        if (++arrived == messages.length) {
            for (RpcCallContext c : waiting) {
                c.reply(messages);
            }
            messages = null;
            waiting = null;
        }
    }
}
