package ai.sparknas.driver.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * {@code status.json}: where a launch of a run stands, for notebooks and schedulers that poll it
 * (the Livy client, {@code deploy/livy/search.ipynb}). Replaced whole (temp file + rename, on any
 * Hadoop file system) when the launch starts, every {@code run.log-every} steps, at each epoch end
 * and when the launch ends; a reader never sees half a file. Fields: {@code kind}, {@code run_id},
 * {@code state} ({@code running}, then {@code finished}, {@code suspended} (a budget or SIGTERM stop
 * after a checkpoint: launch again to resume) or {@code failed}), {@code exit_code} and
 * {@code message} once ended, {@code backend}, {@code host}, {@code pid}, the position ({@code epoch}
 * of {@code epochs}, {@code step} of {@code steps_per_epoch}, {@code global_step} of
 * {@code total_steps}), {@code seconds_per_step} and {@code eta_seconds} (this launch's mean),
 * {@code latest} (the newest losses, accuracies and skip counts), {@code genotype} (so far), and the
 * times {@code started_at}, {@code first_step_at} (this launch's first step), {@code updated_at}.
 */
public final class RunStatus {

    public static final String FILE = "status.json";

    /** The launch's state, as written ({@link #json()}). */
    public enum State {
        RUNNING, FINISHED, SUSPENDED, FAILED;

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunStorage storage;
    private final ObjectNode node = JSON.createObjectNode();
    private final ObjectNode latest = JSON.createObjectNode();
    private boolean firstStep = true;

    /** A launch of run {@code runId} ({@code kind}: search or retrain) on {@code backend}; writes nothing yet. */
    public RunStatus(RunStorage storage, String kind, String runId, String backend) {
        this.storage = storage;
        node.put("kind", kind).put("run_id", runId).put("state", State.RUNNING.json()).putNull("exit_code")
                .putNull("message").put("backend", backend).put("host", host())
                .put("pid", ProcessHandle.current().pid()).put("started_at", Instant.now().toString())
                .putNull("first_step_at")
                // spark-submit sets it from --name (a Livy batch's name): a client tells this launch's file
                // from an earlier launch's by it
                .put("app_name", System.getProperty("spark.app.name"));
        node.set("latest", latest);
    }

    /** The launch starts at {@code globalStep} of {@code totalSteps} (a resumed run does not start at 0). */
    public void started(int epochs, int stepsPerEpoch, long globalStep) {
        node.put("epochs", epochs).put("steps_per_epoch", stepsPerEpoch).put("global_step", globalStep)
                .put("total_steps", (long) epochs * stepsPerEpoch);
        write();
    }

    /**
     * Step {@code step} (0-based) of epoch {@code epoch} is done, {@code globalStep} in all; its
     * {@code metrics} (null: none, the step only moves the position) replace those of {@code latest}
     * with the same names. Written when {@code write}.
     */
    public void step(int epoch, int step, long globalStep, double secondsPerStep, ObjectNode metrics, boolean write) {
        if (firstStep) {
            node.put("first_step_at", Instant.now().toString());
            firstStep = false;
        }
        long total = node.path("total_steps").asLong();
        node.put("epoch", epoch + 1).put("step", step + 1).put("global_step", globalStep)
                .put("seconds_per_step", secondsPerStep).put("eta_seconds", Math.max(0, total - globalStep) * secondsPerStep);
        if (metrics != null) {
            latest.setAll(metrics);
        }
        if (write) {
            write();
        }
    }

    /** Sets a top-level field (e.g. {@code genotype}) for the next write. */
    public void put(String field, String value) {
        node.put(field, value);
    }

    /** Adds {@code metrics} to {@code latest} and writes (an epoch's end). */
    public void update(ObjectNode metrics) {
        latest.setAll(metrics);
        write();
    }

    /** The launch ended in {@code state} with {@code exitCode}; {@code message} says why (null when finished). */
    public void ended(State state, int exitCode, String message) {
        node.put("state", state.json()).put("exit_code", exitCode).put("message", message);
        if (state == State.FINISHED) {
            node.put("eta_seconds", 0.0);
        }
        write();
    }

    /** A launch's body, which may fail. */
    @FunctionalInterface
    public interface Launch<T> {
        T run() throws IOException;
    }

    /** Runs {@code body} and records how it ended (finished, or what it threw, which is rethrown). */
    public <T> T track(Launch<T> body) throws IOException {
        T result;
        try {
            result = body.run();
        } catch (IOException | RuntimeException | Error e) {
            endedBy(e);
            throw e;
        }
        endedBy(null);
        return result;
    }

    /** Records how a launch ended from what it threw (or finished, for null); throws nothing. */
    public void endedBy(Throwable failure) {
        if (failure == null) {
            ended(State.FINISHED, 0, null);
        } else {
            ExitCodes.Outcome o = ExitCodes.of(failure);
            ended(o.code() == ExitCodes.SUSPENDED ? State.SUSPENDED : State.FAILED, o.code(), o.kind() + ": "
                    + failure.getMessage());
        }
    }

    /**
     * Best effort: status.json only reports, so a failed write (a full disk, a flaky object store) is a
     * warning on stderr, once per launch, and never fails or masks the run; checkpoints and results are
     * written by their own code, which does fail on such errors.
     */
    private void write() {
        node.put("updated_at", Instant.now().toString());
        try {
            storage.writeAtomically(FILE, (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException | UncheckedIOException e) {
            if (!warned) {
                warned = true;
                System.err.println("WARNING: cannot write " + storage.describe(FILE) + " (" + e.getMessage()
                        + "); the run goes on without live status");
            }
        }
    }

    private boolean warned;

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return ManagementFactory.getRuntimeMXBean().getName();
        }
    }
}
