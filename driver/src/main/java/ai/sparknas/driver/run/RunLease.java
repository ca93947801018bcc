package ai.sparknas.driver.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One launch per run directory. A launch takes {@code lease.json} in the run directory with an
 * exclusive create (on any Hadoop FS) before it writes anything, and a daemon thread refreshes its
 * heartbeat every {@link #HEARTBEAT}. A second launch of the same run finds the lease and is refused
 * ({@link RunBusyException}, exit 5) while the heartbeat is younger than {@link #STALE}; an older one
 * (its holder was killed with -9, or its host was lost) is taken over with a warning, so a crashed run
 * can be resumed a minute later without manual clean-up; a holder on this host whose process has
 * ended is recognised at once. The lease is deleted when the launch ends,
 * and by a shutdown hook when the JVM exits. Within one JVM the lease is re-entrant (a run directory
 * re-opened by the process that holds it).
 */
public final class RunLease implements AutoCloseable {

    /** How often the holder refreshes its heartbeat. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(10);
    /** A heartbeat older than this is a dead holder's: its lease may be taken over. */
    public static final Duration STALE = Duration.ofSeconds(60);
    static final String FILE = "lease.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** This JVM's identity in the leases it takes. */
    private static final String HOST = host();
    static final String OWNER = HOST + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID();
    private static final Map<String, RunLease> HELD = new ConcurrentHashMap<>();
    private static final ScheduledExecutorService BEAT = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sparknas-run-lease");
        t.setDaemon(true);
        return t;
    });

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> HELD.values().forEach(RunLease::release),
                "sparknas-run-lease-release"));
    }

    private final RunStorage storage;
    private final String where;
    private final java.util.concurrent.ScheduledFuture<?> beat;
    private volatile boolean lost;

    private RunLease(RunStorage storage) {
        this.storage = storage;
        this.where = storage.describe(FILE);
        this.beat = BEAT.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Takes the run directory's lease for this launch.
     *
     * @param warnings hears about a stale lease taken over
     * @throws RunBusyException when another live launch holds it
     */
    public static RunLease acquire(RunStorage storage, String runId, PrintStream warnings) throws IOException {
        String key = storage.describe(FILE);
        RunLease mine = HELD.get(key);
        if (mine != null && !mine.lost) {
            return mine; // re-entrant within this JVM
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            if (storage.createExclusive(FILE, content(System.currentTimeMillis()))) {
                RunLease lease = new RunLease(storage);
                HELD.put(key, lease);
                return lease;
            }
            JsonNode held = read(storage);
            if (held != null && OWNER.equals(held.path("owner").asText())) { // ours, from a released-then-reopened run
                storage.delete(FILE);
                continue;
            }
            long age = held == null ? Long.MAX_VALUE : System.currentTimeMillis() - held.path("heartbeat").asLong();
            boolean deadHere = held != null && HOST.equals(held.path("host").asText())
                    && ProcessHandle.of(held.path("pid").asLong()).map(ph -> !ph.isAlive()).orElse(true);
            if (held != null && age < STALE.toMillis() && !deadHere) {
                throw new RunBusyException("run " + runId + " is being computed by another launch (" + key + ": owner "
                        + held.path("owner").asText() + ", started " + held.path("started").asText() + ", last heartbeat "
                        + Math.max(0, age / 1000) + " s ago): wait for it to end; if that launch is gone, launch again"
                        + " after " + STALE.toSeconds() + " s without a heartbeat, when its lease expires, or delete "
                        + key);
            }
            warnings.println("WARNING: taking over the lease of run " + runId + " from " + (held == null
                    ? "an unreadable lease.json" : held.path("owner").asText() + (deadHere
                    ? " (its process " + held.path("pid").asLong() + " on this host has ended)"
                    : " (no heartbeat for " + age / 1000 + " s: that launch is gone)")));
            storage.delete(FILE);
        }
        throw new RunBusyException("run " + runId + ": another launch took the lease " + key + " at the same moment;"
                + " only one launch of a run may run at a time");
    }

    /** The lease's JSON, or null when it is unreadable (half-written or damaged). */
    private static JsonNode read(RunStorage storage) {
        try {
            JsonNode n = JSON.readTree(storage.read(FILE));
            return n != null && n.has("owner") && n.has("heartbeat") ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] content(long heartbeat) {
        return JSON.createObjectNode().put("owner", OWNER).put("host", HOST).put("pid", ProcessHandle.current().pid())
                .put("started", Instant.ofEpochMilli(STARTED).toString()).put("heartbeat", heartbeat)
                .put("heartbeat_utc", Instant.ofEpochMilli(heartbeat).toString()).toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    private static final long STARTED = System.currentTimeMillis();

    /** Refreshes the heartbeat if the lease is still this launch's (package-private for tests). */
    void heartbeat() {
        try {
            JsonNode held = read(storage);
            if (held == null || !OWNER.equals(held.path("owner").asText())) {
                lost = true; // taken over after a pause longer than STALE: never overwrite the new holder's
                beat.cancel(false);
                return;
            }
            storage.writeAtomically(FILE, content(System.currentTimeMillis()));
        } catch (IOException | RuntimeException e) {
            // a missed heartbeat is retried at the next one; STALE spans six of them
        }
    }

    /** Whether another launch has taken the lease over (this one paused for longer than {@link #STALE}). */
    public boolean lost() {
        return lost;
    }

    /** Deletes the lease if it is still this launch's. */
    private void release() {
        beat.cancel(false);
        try {
            JsonNode held = read(storage);
            if (held != null && OWNER.equals(held.path("owner").asText())) {
                storage.delete(FILE);
            }
        } catch (IOException | RuntimeException e) {
            // the lease then expires after STALE
        }
    }

    @Override
    public void close() {
        HELD.remove(where, this);
        release();
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
