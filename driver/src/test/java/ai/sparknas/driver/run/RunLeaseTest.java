package ai.sparknas.driver.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.cli.CliRun;
import ai.sparknas.driver.cli.Main;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One launch per run: a live lease of another launch refuses a launch (exit 5) before anything is
 * written; a stale one, or one whose process on this host has ended, is taken over; a launch releases
 * its lease when it ends; a lease taken over is never overwritten by the old holder's heartbeat.
 */
class RunLeaseTest {

    @TempDir
    Path out;

    static final ObjectMapper JSON = new ObjectMapper();

    private String[] search(String id) {
        List<String> a = new ArrayList<>(List.of("search", "run.output=" + out, "run.id=" + id, "data.limit=64",
                "search.layers=3", "search.channels=4", "search.batch=8", "search.epochs=1", "search.steps-per-epoch=1",
                "search.estimator=first-order", "monitor.eval-batches=0"));
        return a.toArray(new String[0]);
    }

    private void foreignLease(String id, long heartbeatAgoMillis, String host, long pid) throws Exception {
        Path dir = Files.createDirectories(out.resolve(id));
        long t = System.currentTimeMillis() - heartbeatAgoMillis;
        Files.writeString(dir.resolve("lease.json"), JSON.createObjectNode().put("owner", host + ":" + pid + ":other")
                .put("host", host).put("pid", pid).put("started", "2026-12-01T00:00:00Z").put("heartbeat", t).toString());
    }

    @Test
    void aLiveLeaseOfAnotherLaunchRefusesTheLaunchBeforeAnythingIsWritten() throws Exception {
        foreignLease("busy", 1_000, "another-host", 4242);
        CliRun.Outcome o = CliRun.of(search("busy"));
        assertEquals(Main.EXIT_BUSY, o.code(), o.err());
        assertTrue(o.err().contains("lease.json") && o.err().contains("another-host:4242"), o.err());
        assertFalse(Files.exists(out.resolve("busy/config.conf")), "nothing written");
        assertFalse(Files.exists(out.resolve("busy/metrics.jsonl")), "nothing written");
        assertTrue(Files.exists(out.resolve("busy/lease.json")), "the holder's lease untouched");
    }

    @Test
    void aStaleLeaseIsTakenOverAndTheFinishedLaunchReleasesItsOwn() throws Exception {
        foreignLease("stale", RunLease.STALE.toMillis() + 5_000, "another-host", 4242);
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run(search("stale"));
        } finally {
            System.setErr(oldErr);
        }
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("taking over the lease"), err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.exists(out.resolve("stale/genotype.json")));
        assertFalse(Files.exists(out.resolve("stale/lease.json")), "released when the launch ended");
    }

    @Test
    void aFreshLeaseOfAProcessOnThisHostThatHasEndedIsTakenOverAtOnce() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        foreignLease("dead", 1_000, java.net.InetAddress.getLocalHost().getHostName(), p.pid());
        assertEquals(0, CliRun.of(search("dead")).code());
        assertFalse(Files.exists(out.resolve("dead/lease.json")));
    }

    @Test
    void aLeaseTakenOverIsNotOverwrittenByTheOldHoldersHeartbeat() throws Exception {
        LocalRunStorage storage = new LocalRunStorage(Files.createDirectories(out.resolve("taken")));
        RunLease lease = RunLease.acquire(storage, "taken", System.err);
        String mine = Files.readString(out.resolve("taken/lease.json"));
        assertTrue(mine.contains(RunLease.OWNER));
        lease.heartbeat();
        assertFalse(lease.lost());
        foreignLease("taken", 0, "another-host", 7);
        lease.heartbeat();
        assertTrue(lease.lost(), "noticed that another launch holds it now");
        assertTrue(Files.readString(out.resolve("taken/lease.json")).contains("another-host:7"), "left to its new holder");
        lease.close();
        assertTrue(Files.exists(out.resolve("taken/lease.json")), "closing does not delete another holder's lease");
    }
}
