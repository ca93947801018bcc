package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.retrain.CellGenotypes;
import ai.sparknas.driver.retrain.InProcessRetrainOracle;
import ai.sparknas.driver.retrain.Provenance;
import ai.sparknas.driver.retrain.RetrainData;
import ai.sparknas.driver.retrain.RetrainRun;
import ai.sparknas.driver.retrain.RetrainSetup;
import ai.sparknas.driver.data.DataFiles;
import ai.sparknas.driver.run.Checkpoint;
import ai.sparknas.driver.run.Checkpoints;
import ai.sparknas.driver.run.LocalRunStorage;
import ai.sparknas.driver.run.RunDirectory;
import ai.sparknas.driver.search.SearchSuspendedException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Spark re-training (one round per step on local[2]) against the in-process fold over the same two
 * shards, in float64: ω, the running BatchNorm statistics and the test evaluation agree within 1e-6
 * relative; a Spark re-training stopped and resumed equals the straight one bit for bit.
 */
class SparkRetrainTest extends LocalSparkTest {

    static Path[] test;

    @BeforeAll
    static void testFiles() throws Exception {
        test = TestData.writeIdx(dir.resolve("test-split"), 24, 8, 4, 9);
    }

    static SearchConfig config(String id, String... more) {
        List<String> o = new ArrayList<>(List.of("data.classes=4", "data.normalize=none", "compute.precision=float64",
                "data.train-images=" + files[0], "data.train-labels=" + files[1],
                "data.test-images=" + test[0], "data.test-labels=" + test[1],
                "spark.partitions=2", "spark.min-examples-per-partition=2", "retrain.genotype=DARTS_V2",
                "retrain.layers=3", "retrain.channels=4", "retrain.batch=8", "retrain.epochs=2",
                "retrain.steps-per-epoch=3", "retrain.drop-path=0.3", "retrain.cutout=4", "retrain.eval-batch=5",
                "checkpoint.every-steps=2", "run.output=" + dir.resolve("runs"), "run.id=" + id, "compute.threads=1"));
        o.addAll(List.of(more));
        return SearchConfig.load(null, o);
    }

    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    static JsonNode spark(SearchConfig cfg) throws Exception {
        try (SparkRetrainOracle oracle = SparkRetrainOracle.create(sc, cfg, CellGenotypes.resolve(cfg.retrain().genotype()),
                3, 4)) {
            return SparkMain.Retrain.execute(sc, cfg, false, oracle, QUIET);
        }
    }

    static Checkpoint last(String id) throws Exception {
        return new Checkpoints(new LocalRunStorage(dir.resolve("runs").resolve(id)), 3).loadNewest(w -> { }).orElseThrow();
    }

    @Test
    void sparkRoundsEqualTheInProcessFoldOverTheSameShards() throws Exception {
        JsonNode onSpark = spark(config("spark"));

        SearchConfig cfg = config("fold");
        RetrainData data = RetrainData.load(cfg);
        RetrainSetup setup = new RetrainSetup(cfg, CellGenotypes.resolve("DARTS_V2"), 3, 4,
                RetrainSetup.ImageShape.of(data.train()), data.train().size(), 2, 1);
        JsonNode inProcess;
        try (InProcessRetrainOracle oracle = new InProcessRetrainOracle(setup, data)) {
            inProcess = RetrainRun.execute(RunDirectory.create(cfg, false, RunDirectory.Kind.RETRAIN), setup, oracle,
                    "fold", Provenance.dataFiles(cfg, DataFiles.LOCAL), data.test().size(), QUIET);
        } finally {
            setup.network.close();
        }
        Checkpoint a = last("spark");
        Checkpoint b = last("fold");
        assertEquals(6, a.globalStep());
        assertEquals(a.globalStep(), b.globalStep());
        assertClose(b.weights(), a.weights(), "ω");
        assertClose(b.alpha(), a.alpha(), "running statistics");
        assertClose(b.momentum(), a.momentum(), "momentum buffer");
        assertEquals(inProcess.get("test_loss").asDouble(), onSpark.get("test_loss").asDouble(),
                1e-6 * Math.abs(inProcess.get("test_loss").asDouble()));
        assertEquals(inProcess.get("test_accuracy").asDouble(), onSpark.get("test_accuracy").asDouble());
        assertEquals(24, onSpark.get("test_examples").asInt());
        assertTrue(onSpark.get("backend").asText().startsWith("Spark local[2], 2 partitions"), onSpark.toString());
        // the running statistics moved away from PyTorch's initial (0, 1)
        assertTrue(java.util.Arrays.stream(a.alpha()).anyMatch(v -> v != 0 && v != 1));
    }

    @Test
    void stoppedAndResumedOnSparkEqualsStraight() throws Exception {
        spark(config("straight-retrain"));
        SearchConfig stopped = config("stopped-retrain", "run.max-steps=4");
        assertThrows(SearchSuspendedException.class, () -> spark(stopped));
        assertTrue(!Files.exists(dir.resolve("runs/stopped-retrain/result.json")));
        spark(config("stopped-retrain"));
        Checkpoint a = last("straight-retrain");
        Checkpoint b = last("stopped-retrain");
        assertArrayEquals(a.weights(), b.weights(), 0.0);
        assertArrayEquals(a.alpha(), b.alpha(), 0.0);
        assertArrayEquals(a.momentum(), b.momentum(), 0.0);
        assertArrayEquals(Files.readAllBytes(dir.resolve("runs/straight-retrain/model/weights.safetensors")),
                Files.readAllBytes(dir.resolve("runs/stopped-retrain/model/weights.safetensors")));
    }

    static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
            norm = Math.max(norm, Math.abs(expected[i]));
        }
        assertTrue(diff <= 1e-6 * norm, what + ": max difference " + diff + " vs max magnitude " + norm);
    }
}
