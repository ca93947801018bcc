package ai.sparknas.driver.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.cli.CliRun;
import ai.sparknas.driver.genotype.Genotypes;
import ai.sparknas.driver.search.MetricsLog;
import ai.sparknas.driver.search.StepListener;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** status.json: written every run.log-every steps and at epoch ends, whole each time, and how a launch ended. */
class RunStatusTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    /** Records every status.json the run writes, as written. */
    static final class Recording implements RunStorage {
        final LocalRunStorage local;
        final List<JsonNode> writes = new ArrayList<>();

        Recording(Path dir) {
            local = new LocalRunStorage(dir);
        }

        @Override
        public void writeAtomically(String relative, byte[] content) throws IOException {
            if (relative.equals(RunStatus.FILE)) {
                writes.add(JSON.readTree(content)); // each write is one whole JSON document
            }
            local.writeAtomically(relative, content);
        }

        @Override
        public String describe(String relative) {
            return local.describe(relative);
        }

        @Override
        public boolean exists(String relative) {
            return local.exists(relative);
        }

        @Override
        public byte[] read(String relative) throws IOException {
            return local.read(relative);
        }

        @Override
        public OutputStream append(String relative) throws IOException {
            return local.append(relative);
        }

        @Override
        public List<String> list(String relativeDir) throws IOException {
            return local.list(relativeDir);
        }

        @Override
        public void delete(String relative) throws IOException {
            local.delete(relative);
        }

        @Override
        public boolean createExclusive(String relative, byte[] content) throws IOException {
            return local.createExclusive(relative, content);
        }
    }

    @Test
    void theMetricsLogWritesItEveryLogEveryStepsAndAtEpochEnds() throws Exception {
        Recording storage = new Recording(out);
        RunStatus status = new RunStatus(storage, "search", "r1", "in-process, 2 threads");
        status.started(2, 5, 0);
        var genotype = Genotypes.byName("DARTS_V2");
        try (MetricsLog log = new MetricsLog(OutputStream.nullOutputStream(), 0,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), 2, 8)) {
            log.setStatus(status);
            for (int step = 0; step < 5; step++) {
                log.onStep(new StepListener.Step(0, 2, step, 5, step + 1, 2.0 - step * 0.1, 0.1 * step, 2.1, 0.2, 0.025,
                        1.0, 2.07, 1, 1.5, Map.of(), genotype));
            }
        }
        // started, then steps 2 and 4 (log-every 2) and 5 (the epoch's last)
        assertEquals(List.of(0L, 2L, 4L, 5L), storage.writes.stream().map(n -> n.get("global_step").asLong()).toList());
        JsonNode last = storage.writes.get(3);
        assertEquals("running", last.get("state").asText());
        assertEquals(10, last.get("total_steps").asLong());
        assertEquals(1, last.get("epoch").asInt());
        assertEquals(5, last.get("step").asInt());
        assertEquals(1.5, last.get("seconds_per_step").asDouble(), 1e-12);
        assertEquals(5 * 1.5, last.get("eta_seconds").asDouble(), 1e-9, "5 steps left at 1.5 s");
        assertEquals(2.0 - 4 * 0.1, last.get("latest").get("train_loss").asDouble(), 1e-12);
        assertEquals(Genotypes.count(genotype, true, "skip_connect"), last.get("latest").get("skip_connect_reduce").asInt());
        assertTrue(last.get("genotype").asText().startsWith("Genotype(normal=[('sep_conv_3x3', 0)"), last.toString());
        assertTrue(last.get("first_step_at").isTextual() && last.get("exit_code").isNull(), last.toString());
    }

    private List<String> tiny(String id) {
        List<String> a = new ArrayList<>(List.of("search", "run.output=" + out, "run.id=" + id,
                "data.train-images=" + ResumeTest.FASHION + "train-images-idx3-ubyte.gz",
                "data.train-labels=" + ResumeTest.FASHION + "train-labels-idx1-ubyte.gz", "data.limit=128",
                "search.layers=3", "search.channels=4", "search.batch=16", "search.epochs=2",
                "search.steps-per-epoch=2", "search.estimator=first-order", "compute.threads=2", "run.log-every=1"));
        return a;
    }

    private JsonNode status(String id) throws IOException {
        return JSON.readTree(Files.readString(out.resolve(id).resolve(RunStatus.FILE)));
    }

    @Test
    void aFinishedSearchEndsFinishedWithItsGenotype() throws Exception {
        CliRun.Outcome o = CliRun.of(tiny("done").toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        JsonNode s = status("done");
        assertEquals("finished", s.get("state").asText());
        assertEquals(0, s.get("exit_code").asInt());
        assertEquals(4, s.get("global_step").asLong());
        assertEquals(4, s.get("total_steps").asLong());
        assertEquals(0.0, s.get("eta_seconds").asDouble());
        assertEquals(Files.readString(out.resolve("done/genotype.txt")).trim(), s.get("genotype").asText());
        assertEquals("search", s.get("kind").asText());
        assertTrue(s.get("backend").asText().startsWith("in-process"), s.toString());
        assertTrue(s.get("latest").has("val_acc") && s.get("latest").has("supernet_acc"), s.toString());
    }

    @Test
    void aBudgetStopIsSuspendedWith75AndADivergedRunFailedWith4() throws Exception {
        List<String> stop = tiny("stop");
        stop.add("run.max-steps=1");
        assertEquals(75, CliRun.of(stop.toArray(String[]::new)).code());
        JsonNode s = status("stop");
        assertEquals("suspended", s.get("state").asText());
        assertEquals(75, s.get("exit_code").asInt());
        assertEquals(1, s.get("global_step").asLong());
        assertTrue(s.get("message").asText().contains("run.max-steps = 1"), s.toString());

        List<String> diverge = tiny("nan");
        diverge.add("optim.weights.lr=1e30");
        CliRun.Outcome o = CliRun.of(diverge.toArray(String[]::new));
        assertEquals(4, o.code(), o.err());
        JsonNode f = status("nan");
        assertEquals("failed", f.get("state").asText());
        assertEquals(4, f.get("exit_code").asInt());
        assertTrue(f.get("message").asText().startsWith("search diverged: "), f.toString());
    }

    @Test
    void aLaunchThatFindsTheRunBusyLeavesTheHoldersStatusAlone() throws Exception {
        Path run = out.resolve("busy");
        Files.createDirectories(run);
        Files.writeString(run.resolve("lease.json"), JSON.createObjectNode().put("owner", "another-host:4242:other")
                .put("host", "another-host").put("pid", 4242).put("started", "2026-12-01T00:00:00Z")
                .put("heartbeat", System.currentTimeMillis()).toString());
        Files.writeString(run.resolve(RunStatus.FILE), "{\"state\":\"running\"}\n");
        assertEquals(5, CliRun.of(tiny("busy").toArray(String[]::new)).code());
        assertEquals("{\"state\":\"running\"}\n", Files.readString(run.resolve(RunStatus.FILE)));
    }

    @Test
    void aFinishedRetrainingRecordsItsTestAccuracy() throws Exception {
        CliRun.Outcome o = CliRun.of("retrain", "--genotype", "DARTS_V2", "run.output=" + out, "run.id=rt",
                "data.limit=64", "retrain.layers=3", "retrain.channels=4", "retrain.epochs=1", "retrain.batch=16",
                "retrain.steps-per-epoch=2", "retrain.test-limit=32", "run.log-every=1", "compute.threads=2");
        assertEquals(0, o.code(), o.err());
        JsonNode s = status("rt");
        JsonNode result = JSON.readTree(Files.readString(out.resolve("rt/result.json")));
        assertEquals("retrain", s.get("kind").asText());
        assertEquals("finished", s.get("state").asText());
        assertEquals(2, s.get("global_step").asLong());
        assertEquals(result.get("test_accuracy").asDouble(), s.get("latest").get("test_accuracy").asDouble());
        assertEquals(result.get("genotype").asText(), s.get("genotype").asText());
    }
}
