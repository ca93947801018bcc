package ai.sparknas.driver.run;

import ai.sparknas.driver.config.SearchConfig;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code <run.output>/<run.id>/}: the resolved config, metrics, genotype files and checkpoints.
 * Opening an id that already holds a run resumes it, provided its stored config matches the current
 * one (keys that only steer this launch, such as the time budget, may differ); otherwise the run is
 * refused with the differing keys, unless forced.
 */
public final class RunDirectory implements AutoCloseable {

    /** Keys that may differ between launches of one run: they do not change what is computed. */
    static final Set<String> LAUNCH_KEYS = Set.of("sparknas.run.max-wall-time", "sparknas.run.max-steps",
            "sparknas.run.log-every", "sparknas.spark.tree-depth", "sparknas.checkpoint.every-steps",
            "sparknas.checkpoint.keep", "sparknas.monitor.skip-warning-threshold",
            // results do not depend on the thread count (ThreadInvarianceTest), nor on where the run directory is
            "sparknas.compute.threads", "sparknas.spark.kernel-threads", "sparknas.run.output", "sparknas.run.id",
            // recomputed cells give the same bits (RecomputeTest), and so do fused rounds (SparkOracleTest)
            "sparknas.compute.recompute", "sparknas.spark.fuse-rounds");

    /**
     * How to resume a run whose batches were planned for {@code partitions} partitions: advice that is
     * then accepted (one partition: in process; more: on Spark with that count, and the per-partition
     * floor lowered when the batch gives fewer examples than it).
     */
    public static String resumeAdvice(String command, int partitions, int batch, int floor) {
        if (partitions == 1) {
            return "resume it in one process (deploy/bin/sparknas " + command + " with the same -c and overrides)"
                    + " or on Spark with spark.partitions=1";
        }
        int per = batch / partitions;
        return "resume it on Spark (deploy/bin/sparknas-submit " + command + ") with spark.partitions=" + partitions
                + (per < floor ? " spark.min-examples-per-partition=" + per : "");
    }

    private final RunStorage storage;
    private final String id;
    private final boolean resuming;
    private final String pendingConfig;
    private final RunLease lease;

    private RunDirectory(RunStorage storage, String id, boolean resuming, String pendingConfig, RunLease lease) {
        this.storage = storage;
        this.id = id;
        this.resuming = resuming;
        this.pendingConfig = pendingConfig;
        this.lease = lease;
    }

    /** Ends this launch's hold on the run directory: its lease is released for the next launch. */
    @Override
    public void close() {
        lease.close();
    }

    /** What a run directory holds: a search (finished once genotype.json exists) or a re-training (result.json). */
    public enum Kind {
        SEARCH("search", "genotype.json", "search"), RETRAIN("retrain", "result.json", "re-training");

        final String idPrefix;
        final String finishedMarker;
        final String noun;

        Kind(String idPrefix, String finishedMarker, String noun) {
            this.idPrefix = idPrefix;
            this.finishedMarker = finishedMarker;
            this.noun = noun;
        }
    }

    /** The search's run directory on the local file system; see {@link #open(RunStorage, String, SearchConfig, boolean)}. */
    public static RunDirectory create(SearchConfig cfg, boolean force) throws IOException {
        return create(cfg, force, Kind.SEARCH);
    }

    /** A run directory of {@code kind} on the local file system. */
    public static RunDirectory create(SearchConfig cfg, boolean force, Kind kind) throws IOException {
        String output = cfg.run().output();
        if (output.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*") && !output.startsWith("file://")) {
            throw new ai.sparknas.driver.config.ConfigException("sparknas.run.output", "sparknas.run.output = " + output
                    + ": the in-process search writes to local paths; use the Spark job (deploy/bin/sparknas-submit)"
                    + " for a run directory on a Hadoop file system");
        }
        if (output.startsWith("file://")) {
            output = output.substring("file://".length());
        }
        String runId = id(cfg, kind);
        Path dir = Path.of(output).resolve(runId);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create the run directory " + dir + " (" + e + "): set run.output to a writable"
                    + " directory", e);
        }
        if (!Files.isWritable(dir)) {
            throw new AccessDeniedException(dir.toString(), null, "run directory is not writable: set run.output to a "
                    + "writable directory");
        }
        return open(new LocalRunStorage(dir), runId, cfg, force, kind);
    }

    /** {@code run.id}, or a timestamped id when it is empty. */
    public static String id(SearchConfig cfg) {
        return id(cfg, Kind.SEARCH);
    }

    /** {@code run.id}, or a timestamped id of the kind's prefix when it is empty. */
    public static String id(SearchConfig cfg, Kind kind) {
        String id = cfg.run().id();
        return id.isEmpty() ? kind.idPrefix + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) : id;
    }

    /**
     * Opens a run directory in {@code storage}: a new run writes {@code config.conf}; an existing one
     * is resumed when its config matches (or {@code force}), refused when finished.
     */
    public static RunDirectory open(RunStorage storage, String id, SearchConfig cfg, boolean force) throws IOException {
        return open(storage, id, cfg, force, Kind.SEARCH);
    }

    /** As {@link #open(RunStorage, String, SearchConfig, boolean)} for a run of {@code kind}. */
    public static RunDirectory open(RunStorage storage, String id, SearchConfig cfg, boolean force, Kind kind)
            throws IOException {
        for (Kind k : Kind.values()) {
            if (storage.exists(k.finishedMarker)) {
                throw new IOException("run directory " + storage.describe("") + " already holds a finished " + k.noun
                        + " (" + k.finishedMarker + "): choose another run.id or remove it");
            }
        }
        RunLease lease = RunLease.acquire(storage, id, System.err); // before anything is written
        try {
            return openLeased(storage, id, cfg, force, lease);
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    private static RunDirectory openLeased(RunStorage storage, String id, SearchConfig cfg, boolean force, RunLease lease)
            throws IOException {
        boolean started = storage.exists("metrics.jsonl") && storage.read("metrics.jsonl").length > 0
                || !new Checkpoints(storage, 1).newestFirst().isEmpty();
        boolean hasConfig = storage.exists("config.conf");
        if (started && !hasConfig) {
            throw new IOException("run directory " + storage.describe("") + " holds metrics or checkpoints but no"
                    + " config.conf: it cannot be resumed safely; restore config.conf or choose another run.id");
        }
        String rendered = cfg.render() + "\n";
        if (!started) { // new, or a launch that failed before its first step (e.g. a wrong data path): start fresh
            storage.writeAtomically("config.conf", rendered.getBytes(StandardCharsets.UTF_8));
            return new RunDirectory(storage, id, false, null, lease);
        }
        String stored = new String(storage.read("config.conf"), StandardCharsets.UTF_8);
        List<String> diff = differingKeys(parseStored(stored, storage.describe("config.conf")),
                ConfigFactory.parseString(rendered));
        if (!diff.isEmpty() && !force) {
            throw new RunConflictException("run " + id + " in " + storage.describe("") + " was started with a different"
                    + " config; differing keys: " + String.join(", ", diff) + ". Resume it with the stored config"
                    + " (-c " + storage.describe("config.conf") + "), choose another run.id, or pass --force to"
                    + " resume with the new values");
        }
        // a forced new config is written only once the checkpoint has been found compatible (commitConfig)
        return new RunDirectory(storage, id, true, diff.isEmpty() ? null : rendered, lease);
    }

    /**
     * A HOCON file stored in a run directory (its config.conf); unparsable text is a damaged run
     * directory (an I/O error, exit 3) naming the file.
     */
    public static com.typesafe.config.Config parseStored(String text, String where) throws IOException {
        try {
            return ConfigFactory.parseString(text);
        } catch (com.typesafe.config.ConfigException | StackOverflowError e) {
            throw new ai.sparknas.driver.data.CorruptDataException(where + " is not the HOCON a run writes ("
                    + (e instanceof StackOverflowError ? "nested too deeply" : e.getMessage()) + "): the run directory"
                    + " is damaged; restore config.conf from a backup (a run's config.conf is also inside each"
                    + " checkpoint) or start a new run.id");
        }
    }

    /** Writes a forced resume's new config, after its checkpoint was found compatible. */
    public void commitConfig() throws IOException {
        if (pendingConfig != null) {
            storage.writeAtomically("config.conf", pendingConfig.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Keys whose values differ (or exist on one side only), launch-only keys excepted; "key: a → b". */
    static List<String> differingKeys(Config stored, Config current) {
        Set<String> keys = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : stored.entrySet()) {
            keys.add(e.getKey());
        }
        for (Map.Entry<String, ConfigValue> e : current.entrySet()) {
            keys.add(e.getKey());
        }
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (LAUNCH_KEYS.contains(k) || k.startsWith("sparknas.livy.")) { // livy.*: the client's, not the job's
                continue;
            }
            Object a = stored.hasPath(k) ? stored.getValue(k).unwrapped() : null;
            Object b = current.hasPath(k) ? current.getValue(k).unwrapped() : null;
            if (a == null ? b != null : !a.equals(b)) {
                out.add(k + ": " + a + " → " + b);
            }
        }
        return out;
    }

    public RunStorage storage() {
        return storage;
    }

    public String id() {
        return id;
    }

    /** True when the directory held this run before this launch. */
    public boolean resuming() {
        return resuming;
    }

    public String describe(String name) {
        return storage.describe(name);
    }

    /** Writes {@code name} atomically: a temp file in the same directory, then a rename. */
    public void writeAtomically(String name, String content) throws IOException {
        storage.writeAtomically(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Keeps the first {@code lines} lines of {@code name} (all of it when shorter), rewriting it atomically. */
    public void truncateLines(String name, long lines) throws IOException {
        if (!storage.exists(name)) {
            if (lines > 0) {
                throw new IOException(storage.describe(name) + " is missing but the checkpoint recorded " + lines
                        + " lines: restore it or start a new run.id");
            }
            return;
        }
        String text = new String(storage.read(name), StandardCharsets.UTF_8);
        int end = 0;
        for (long i = 0; i < lines; i++) {
            int nl = text.indexOf('\n', end);
            if (nl < 0) {
                throw new IOException(storage.describe(name) + " has fewer than the " + lines + " lines the checkpoint"
                        + " recorded: it was truncated or edited; restore it or start a new run.id");
            }
            end = nl + 1;
        }
        if (end < text.length()) { // after a budget stop the file usually ends at the checkpoint already
            storage.writeAtomically(name, text.substring(0, end).getBytes(StandardCharsets.UTF_8));
        }
    }
}
