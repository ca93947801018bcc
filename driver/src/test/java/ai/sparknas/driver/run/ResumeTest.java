package ai.sparknas.driver.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.cli.Main;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.search.SearchRun;
import ai.sparknas.driver.search.SearchSuspendedException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A run stopped at any step and resumed equals the uninterrupted run of the same seed: metrics
 * lines (timings aside), the final state digest (ω, α, SGD and Adam buffers), the final checkpoint's
 * vectors and the genotype. Also: the time budget, a kill -9 in the middle of a checkpoint write, and
 * the refusals (a different config, a finished run).
 */
class ResumeTest {

    static final String FASHION = "/usr/share/datasets/fashion-mnist/";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    static List<String> tiny(Path out, String id, String estimator) {
        return new ArrayList<>(List.of("run.output=" + out, "run.id=" + id,
                "data.train-images=" + FASHION + "train-images-idx3-ubyte.gz",
                "data.train-labels=" + FASHION + "train-labels-idx1-ubyte.gz", "data.limit=256",
                "search.layers=3", "search.channels=4", "search.batch=16", "search.epochs=2",
                "search.steps-per-epoch=3", "search.estimator=" + estimator, "compute.threads=2",
                "checkpoint.every-steps=2"));
    }

    private static SearchConfig config(List<String> overrides) {
        return SearchConfig.load(null, overrides);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"first-order", "second-order", "amended"})
    void stoppedAndResumedEqualsStraight(String estimator) throws Exception {
        SearchRun.execute(config(tiny(out, "straight", estimator)), quiet());
        List<String> stopped = tiny(out, "stopped", estimator);
        stopped.add("run.max-steps=4"); // inside epoch 2 (3 steps per epoch)
        SearchSuspendedException e = assertThrows(SearchSuspendedException.class,
                () -> SearchRun.execute(config(stopped), quiet()));
        assertTrue(e.getMessage().contains("run.max-steps = 4") && e.getMessage().contains("after step 4"), e.getMessage());
        assertFalse(Files.exists(out.resolve("stopped/genotype.json")));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        SearchRun.execute(config(stopped), new PrintStream(log, true, StandardCharsets.UTF_8)); // budget per launch
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("resuming after step 4"), log.toString());
        assertSameRun("straight", "stopped");
    }

    @Test
    void aCorruptNewestCheckpointIsSkippedWithAWarning() throws Exception {
        SearchRun.execute(config(tiny(out, "straight", "second-order")), quiet());
        List<String> stopped = tiny(out, "corrupt", "second-order");
        stopped.add("run.max-steps=5");
        assertThrows(SearchSuspendedException.class, () -> SearchRun.execute(config(stopped), quiet()));
        Path newest = out.resolve("corrupt/checkpoints/ckpt-000000005.bin");
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 3] ^= 0x40; // one flipped bit: wrong checksum
        Files.write(newest, bytes);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        SearchRun.execute(config(tiny(out, "corrupt", "second-order")), new PrintStream(log, true, StandardCharsets.UTF_8));
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("WARNING: skipping an unusable checkpoint") && printed.contains("checksum mismatch")
                && printed.contains("resuming after step 4"), printed);
        assertSameRun("straight", "corrupt");
    }

    @Test
    void timeBudgetStopsWithExitCode75AndTheRelaunchFinishes() throws Exception {
        SearchRun.execute(config(tiny(out, "straight", "first-order")), quiet());
        List<String> args = new ArrayList<>(List.of("search"));
        args.addAll(tiny(out, "budget", "first-order"));
        args.add("run.max-wall-time=1ms");
        assertEquals(Main.EXIT_SUSPENDED, Main.run(args.toArray(String[]::new)));
        assertEquals(List.of("ckpt-000000001.bin"), new Checkpoints(new LocalRunStorage(out.resolve("budget")), 3)
                .newestFirst(), "a checkpoint after the first step");
        int launches = 1;
        while (Main.run(args.toArray(String[]::new)) == Main.EXIT_SUSPENDED) {
            launches++;
        }
        assertEquals(5, launches, "one step per suspended launch; the sixth launch finishes the run (exit 0)");
        assertSameRun("straight", "budget");
    }

    @Test
    void killedWhileWritingACheckpointResumesFromThePreviousOne() throws Exception {
        SearchRun.execute(config(tiny(out, "straight", "amended")), quiet());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-Dsparknas.test.pause-mid-write=ckpt-000000004", "-Dsparknas.test.pause-seconds=120",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "search"));
        cmd.addAll(tiny(out, "killed", "amended"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolve("child.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.readString(out.resolve("child.log")).contains("sparknas-test: paused writing")) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "child never paused: "
                    + Files.readString(out.resolve("child.log")));
            Thread.sleep(100);
        }
        p.destroyForcibly().waitFor(); // SIGKILL while the checkpoint of step 4 is half written
        Path ckpts = out.resolve("killed/checkpoints");
        assertTrue(Files.list(ckpts).anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "the half-written temp file");
        assertEquals(3, new Checkpoints(new LocalRunStorage(out.resolve("killed")), 3).loadNewest(w -> { })
                .orElseThrow().globalStep(), "the previous checkpoint (the end of epoch 1) is intact");

        SearchRun.execute(config(tiny(out, "killed", "amended")), quiet());
        assertSameRun("straight", "killed");
        assertTrue(Files.list(ckpts).noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "temp file cleaned up");
    }

    /** Deleting every checkpoint of a started run does not make the next launch silently start over. */
    @Test
    void deletedCheckpointsAreAnIoErrorNotAFreshStart() throws Exception {
        List<String> args = new ArrayList<>(List.of("search"));
        args.addAll(tiny(out, "deleted", "first-order"));
        args.add("run.max-steps=4");
        assertEquals(Main.EXIT_SUSPENDED, Main.run(args.toArray(String[]::new)));
        Path dir = out.resolve("deleted");
        byte[] metrics = Files.readAllBytes(dir.resolve("metrics.jsonl"));
        try (var files = Files.list(dir.resolve("checkpoints"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        assertEquals(Main.EXIT_DATA, Main.run(args.toArray(String[]::new)));
        assertArrayEquals(metrics, Files.readAllBytes(dir.resolve("metrics.jsonl")), "the run's metrics are untouched");

        // a run killed before its first checkpoint (fewer steps than checkpoint.every-steps) still starts over
        List<String> early = tiny(out, "early", "first-order");
        early.add("checkpoint.every-steps=50");
        early.add("run.max-steps=1");
        List<String> earlyArgs = new ArrayList<>(List.of("search"));
        earlyArgs.addAll(early);
        assertEquals(Main.EXIT_SUSPENDED, Main.run(earlyArgs.toArray(String[]::new)));
        try (var files = Files.list(out.resolve("early/checkpoints"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        earlyArgs.remove("run.max-steps=1");
        assertEquals(0, Main.run(earlyArgs.toArray(String[]::new)), "one step line, no epoch: nothing was lost");
    }

    /** A scheduler's preemption: SIGTERM mid-run writes a checkpoint and exits 75, and the relaunch resumes. */
    @Test
    void sigtermCheckpointsAndExits75() throws Exception {
        SearchRun.execute(config(tiny(out, "straight", "first-order")), quiet());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "search"));
        List<String> run = tiny(out, "termed", "first-order");
        run.add("run.log-every=1");
        run.add("checkpoint.every-steps=0"); // only epoch ends: a checkpoint mid-epoch can only come from the signal
        cmd.addAll(run);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolve("term.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.readString(out.resolve("term.log")).contains("epoch 1/2 step 1/3")) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "child never stepped: "
                    + Files.readString(out.resolve("term.log")));
            Thread.sleep(50);
        }
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the child stops after its step");
        String log = Files.readString(out.resolve("term.log"));
        assertEquals(Main.EXIT_SUSPENDED, p.exitValue(), log);
        assertTrue(log.contains("SIGTERM received") && log.contains("launch the same command again"), log);
        long at = new Checkpoints(new LocalRunStorage(out.resolve("termed")), 3).loadNewest(w -> { }).orElseThrow()
                .globalStep();
        assertTrue(at >= 1 && at < 3, "a checkpoint inside epoch 1, written because of the signal: step " + at);
        SearchRun.execute(config(run), quiet());
        assertSameRun("straight", "termed");
    }

    @Test
    void aDifferentConfigIsRefusedWithTheDifferingKeysUnlessForced() throws Exception {
        List<String> first = tiny(out, "conflict", "first-order");
        first.add("run.max-steps=1");
        assertThrows(SearchSuspendedException.class, () -> SearchRun.execute(config(first), quiet()));
        List<String> changed = tiny(out, "conflict", "first-order");
        changed.addAll(List.of("optim.alpha.lr=0.01", "run.max-steps=1"));
        String before = Files.readString(out.resolve("conflict/config.conf"));
        RunConflictException e = assertThrows(RunConflictException.class, () -> SearchRun.execute(config(changed), quiet()));
        assertTrue(e.getMessage().contains("sparknas.optim.alpha.lr: 3.0E-4 → 0.01")
                || e.getMessage().contains("sparknas.optim.alpha.lr: 0.0003 → 0.01"), e.getMessage());
        assertFalse(e.getMessage().contains("max-steps"), "launch-only keys may differ: " + e.getMessage());
        assertEquals(before, Files.readString(out.resolve("conflict/config.conf")), "nothing overwritten");
        assertThrows(SearchSuspendedException.class, () -> SearchRun.execute(config(changed), true, quiet()));
        assertTrue(Files.readString(out.resolve("conflict/config.conf")).contains("0.01"));

        SearchRun.execute(config(tiny(out, "done", "first-order")), quiet());
        IOException finished = assertThrows(IOException.class,
                () -> SearchRun.execute(config(tiny(out, "done", "first-order")), quiet()));
        assertTrue(finished.getMessage().contains("already holds a finished search"), finished.getMessage());
    }

    @Test
    void anIncompatibleCheckpointIsRefused() throws Exception {
        List<String> first = tiny(out, "space", "first-order");
        first.add("run.max-steps=1");
        assertThrows(SearchSuspendedException.class, () -> SearchRun.execute(config(first), quiet()));
        List<String> wider = tiny(out, "space", "first-order");
        wider.add("search.channels=6");
        String before = Files.readString(out.resolve("space/config.conf"));
        RunConflictException e = assertThrows(RunConflictException.class,
                () -> SearchRun.execute(config(wider), true, quiet()));
        assertTrue(e.getMessage().contains("another search space") && e.getMessage().contains("C=6"), e.getMessage());
        assertEquals(before, Files.readString(out.resolve("space/config.conf")), "a refused --force changes nothing");
    }

    @Test
    void runDirectoryEdgeCases() throws Exception {
        // a launch that failed before its first step (wrong data path) may be relaunched with the fix
        List<String> typo = tiny(out, "typo", "first-order");
        typo.add("data.train-labels=/nonexistent/labels.gz");
        assertThrows(IOException.class, () -> SearchRun.execute(config(typo), quiet()));
        List<String> fixed = tiny(out, "typo", "first-order");
        fixed.add("run.max-steps=1");
        assertThrows(SearchSuspendedException.class, () -> SearchRun.execute(config(fixed), quiet()));

        // checkpoints without config.conf: refused rather than silently restarted
        Files.delete(out.resolve("typo/config.conf"));
        IOException e = assertThrows(IOException.class, () -> SearchRun.execute(config(fixed), quiet()));
        assertTrue(e.getMessage().contains("no config.conf"), e.getMessage());

        // a Hadoop URI is for the Spark job
        List<String> hdfs = tiny(out, "x", "first-order");
        hdfs.add("run.output=hdfs://namenode/runs");
        ai.sparknas.driver.config.ConfigException c = assertThrows(ai.sparknas.driver.config.ConfigException.class,
                () -> SearchRun.execute(config(hdfs), quiet()));
        assertEquals("sparknas.run.output", c.key());
    }

    /** Same metrics (timings aside), same final state digest and checkpoint vectors, same genotype. */
    static void assertSameRun(Path out, String a, String b) throws Exception {
        assertEquals(Files.readString(out.resolve(a + "/genotype.json")), Files.readString(out.resolve(b + "/genotype.json")));
        assertEquals(withoutTimings(out.resolve(a + "/metrics.jsonl")), withoutTimings(out.resolve(b + "/metrics.jsonl")));
        Checkpoint ca = new Checkpoints(new LocalRunStorage(out.resolve(a)), 3).loadNewest(w -> { }).orElseThrow();
        Checkpoint cb = new Checkpoints(new LocalRunStorage(out.resolve(b)), 3).loadNewest(w -> { }).orElseThrow();
        assertEquals(ca.globalStep(), cb.globalStep());
        for (int i = 0; i < 5; i++) {
            double[][] x = {ca.weights(), ca.alpha(), ca.momentum(), ca.adamM(), ca.adamV()};
            double[][] y = {cb.weights(), cb.alpha(), cb.momentum(), cb.adamM(), cb.adamV()};
            assertArrayEquals(x[i], y[i], 0.0, "vector " + i + " of the final checkpoint");
        }
    }

    private void assertSameRun(String a, String b) throws Exception {
        assertSameRun(out, a, b);
    }

    static List<JsonNode> withoutTimings(Path metrics) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(metrics)) {
            ObjectNode n = (ObjectNode) JSON.readTree(l);
            n.remove(List.of("seconds", "rounds", "monitor_rounds"));
            lines.add(n);
        }
        assertTrue(lines.stream().anyMatch(n -> n.has("state_sha256")), "epoch lines carry the state digest");
        return lines;
    }
}
