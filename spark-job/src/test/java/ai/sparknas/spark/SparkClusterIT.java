package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Multi-JVM: the job submitted through deploy/bin/sparknas-submit (SparkSubmit) to
 * {@code local-cluster[2,1,2048]}, a standalone Master with two Workers whose executors are separate
 * JVMs. A short search finishes with the configured executor kernel threads; a run in which one
 * executor JVM is killed with SIGKILL mid-search finishes with the same metrics (losses of every
 * step), the same final state digest (ω, α, optimizer buffers) and the same genotype.
 */
class SparkClusterIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path[] files;

    @BeforeAll
    static void data() throws Exception {
        files = TestData.writeIdx(dir.resolve("data"), 256, 8, 4, 11);
    }

    private static List<String> command(String estimator, String id) {
        List<String> c = new ArrayList<>(List.of(SparkSubmitIT.LAUNCHER, "search"));
        c.addAll(TestData.tinySearch(files, estimator, 2, 8));
        c.addAll(List.of("compute.precision=float32", "search.epochs=2", "search.steps-per-epoch=6",
                "spark.kernel-threads=2", "run.log-every=1", "run.output=" + dir.resolve("runs"), "run.id=" + id));
        return c;
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", null);
        env.put("SPARKNAS_MASTER", "local-cluster[2,1,2048]");
        env.put("SPARKNAS_DRIVER_MEMORY", "1g");
        return env;
    }

    /** first-order: its steps are single barrier rounds (spark.fuse-rounds = auto), which a lost executor retries. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"amended", "first-order"})
    void executorLossChangesNothing(String estimator) throws Exception {
        String cleanId = estimator + "-clean";
        String killedId = estimator + "-killed";
        Launch.Result clean = Launch.run(command(estimator, cleanId), env(), dir.resolve(cleanId + ".log"), 900);
        assertEquals(0, clean.exitCode(), clean.output());
        List<JsonNode> cleanMetrics = metrics(cleanId);
        for (JsonNode line : cleanMetrics) {
            if (line.get("type").asText().equals("step")) {
                assertEquals(estimator.equals("first-order") ? 1 : 4, line.get("rounds").size(), line.toString());
                for (JsonNode round : line.get("rounds")) {
                    assertEquals(2, round.get("kernel_threads").asInt(), "executors use spark.kernel-threads");
                    assertEquals(0, round.get("scalar_kernel_tasks").asInt(),
                            "executor JVMs run the Vector API kernels (spark.executor.extraJavaOptions from the job)");
                }
            }
        }

        Path log = dir.resolve(killedId + ".log");
        Process p = Launch.start(command(estimator, killedId), env(), log);
        Path metricsFile = dir.resolve("runs/" + killedId + "/metrics.jsonl");
        long killed = -1;
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (killed < 0 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            if (Files.exists(metricsFile) && Files.readAllLines(metricsFile).size() >= 3) {
                Optional<ProcessHandle> executor = p.descendants()
                        .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                        .findFirst();
                if (executor.isPresent()) {
                    killed = executor.get().pid();
                    assertTrue(executor.get().destroyForcibly(), "SIGKILL sent");
                }
            }
        }
        assertTrue(killed > 0, "found an executor JVM to kill:\n" + Files.readString(log));
        Launch.Result r = Launch.waitFor(p, log, 900);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Lost executor") || r.output().contains("ExecutorLostFailure"),
                "Spark saw executor JVM " + killed + " go:\n" + r.output());

        assertEquals(Files.readString(dir.resolve("runs/" + cleanId + "/genotype.json")),
                Files.readString(dir.resolve("runs/" + killedId + "/genotype.json")));
        List<JsonNode> killedMetrics = metrics(killedId);
        assertEquals(withoutTimings(cleanMetrics), withoutTimings(killedMetrics));
        assertFalse(cleanMetrics.stream().filter(l -> l.has("state_sha256")).toList().isEmpty());
    }

    private static List<JsonNode> metrics(String id) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("runs/" + id + "/metrics.jsonl"))) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    /** The lines without wall-clock fields: losses, accuracies, α, genotype and state digests remain. */
    private static List<JsonNode> withoutTimings(List<JsonNode> lines) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode l : lines) {
            ObjectNode c = l.deepCopy();
            c.remove(List.of("seconds", "rounds", "monitor_rounds"));
            out.add(c);
        }
        return out;
    }
}
