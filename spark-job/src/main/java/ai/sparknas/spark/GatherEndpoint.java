package ai.sparknas.spark;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Map;
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
 */
final class GatherEndpoint implements ThreadSafeRpcEndpoint {

    /** One task's part of stage {@code stage}'s attempt {@code attempt}, whose {@code tasks} tasks all take part. */
    record Part(int stage, int attempt, int partition, int tasks, byte[] message) implements Serializable {
        /** Stage attempts in the order they run. */
        long order() {
            return ((long) stage << 32) | attempt;
        }
    }

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
        SparkEnv env = SparkEnv.get();
        RpcEndpointRef ref = REFS.computeIfAbsent(name, n -> RpcUtils.makeDriverRef(n, env.conf(), env.rpcEnv()));
        SerializerInstance serializer = env.serializer().newInstance();
        ClassTag<Object> any = ClassTag$.MODULE$.AnyRef();
        byte[] bytes = JavaUtils.bufferToArray(serializer.serialize(message, any));
        Part part = new Part(task.stageId(), task.stageAttemptNumber(), task.partitionId(), tasks, bytes);
        Future<byte[][]> answer = ref.ask(part, RpcUtils.INFINITE_TIMEOUT(), ClassTag$.MODULE$.apply(byte[][].class));
        Duration poll = Duration.create(20, TimeUnit.MILLISECONDS);
        byte[][] all;
        while (true) {
            try {
                Await.ready(answer, poll);
                all = Await.result(answer, Duration.Zero());
                break;
            } catch (TimeoutException e) {
                task.killTaskIfInterrupted(); // a failed barrier stage kills its tasks without interrupting them
            }
        }
        Object[] out = new Object[all.length];
        for (int p = 0; p < all.length; p++) {
            // a copy: where tasks share a JVM (local mode) they share these arrays, and Kryo writes into the
            // array it reads (it clears and restores an ASCII string's end bit), so a peer could read it torn
            out[p] = serializer.deserialize(ByteBuffer.wrap(all[p].clone()), any);
        }
        return out;
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
                return x instanceof Part;
            }

            @Override
            public <A1, B1> B1 applyOrElse(A1 x, scala.Function1<A1, B1> otherwise) {
                if (!(x instanceof Part part)) {
                    return otherwise.apply(x);
                }
                receive(part, context);
                @SuppressWarnings("unchecked")
                B1 unit = (B1) BoxedUnit.UNIT;
                return unit;
            }
        };
    }

    private void receive(Part part, RpcCallContext context) {
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
