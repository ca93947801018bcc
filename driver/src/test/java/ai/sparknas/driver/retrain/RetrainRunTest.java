package ai.sparknas.driver.retrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.cli.CliRun;
import ai.sparknas.driver.cli.Main;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.search.SearchRun;
import ai.sparknas.driver.search.SearchSuspendedException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on the Fashion-MNIST files {@code .ci/run} installs: a tiny search, then a re-training
 * from its run directory that beats chance on the held-out test files; DARTS_V2 from text; resume;
 * and the bad inputs of a re-training, which write no result.
 */
class RetrainRunTest {

    static final String FASHION = "/usr/share/datasets/fashion-mnist/";
    static final ObjectMapper JSON = new ObjectMapper();

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    static List<String> tinyRetrain(Path out, String id, String... more) {
        List<String> o = new ArrayList<>(List.of("run.output=" + out, "run.id=" + id, "run.log-every=4",
                "data.limit=640", "retrain.epochs=2", "retrain.batch=32", "retrain.steps-per-epoch=20",
                "retrain.test-limit=400", "compute.threads=2", "optim.weights.lr=0.05"));
        o.addAll(List.of(more));
        return o;
    }

    @Test
    void searchThenRetrainFromItsRunDirectoryBeatsChanceOnTheTestFiles(@TempDir Path out) throws Exception {
        SearchConfig search = SearchConfig.load(null, List.of("run.output=" + out, "run.id=search", "data.limit=128",
                "search.layers=3", "search.channels=4", "search.batch=16", "search.epochs=1",
                "search.steps-per-epoch=2", "search.estimator=first-order", "compute.threads=2", "monitor.eval-batches=0"));
        SearchRun.execute(search, quiet());
        Main.RetrainOptions from = new Main.RetrainOptions();
        from.from = out.resolve("search");
        SearchConfig cfg = from.apply(SearchConfig.load(null, tinyRetrain(out, "retrain")));
        JsonNode result = RetrainRun.execute(cfg, false, quiet());

        Path run = out.resolve("retrain");
        JsonNode stored = JSON.readTree(run.resolve("result.json").toFile());
        assertEquals(JSON.readTree(JSON.writeValueAsString(result)), stored);
        assertTrue(stored.get("test_accuracy").asDouble() > 0.3, "10 classes: chance is 0.1; got " + stored);
        assertEquals(400, stored.get("test_examples").asInt());
        // the search's depth and width (3 cells of 4 channels), not the defaults' 8 x 16
        assertEquals(3, stored.get("layers").asInt());
        assertEquals(4, stored.get("channels").asInt());
        assertEquals(Files.readString(out.resolve("search/genotype.txt")).trim(), stored.get("genotype").asText());
        assertEquals(out.resolve("search").toAbsolutePath().normalize().toString(), stored.get("source_run").asText());
        assertEquals(Provenance.configDigest(cfg), stored.get("config_sha256").asText());
        assertEquals(Provenance.sha256(Files.readAllBytes(run.resolve("model/weights.safetensors"))),
                stored.get("model_sha256").asText());
        assertEquals(2, stored.get("data").get("train").size());
        assertTrue(stored.get("data").get("test").get(0).get("path").asText().contains("t10k-images"));
        assertTrue(stored.get("parameters").asLong() > 0 && stored.get("forward_macs_per_image").asLong() > 0);

        List<JsonNode> epochs = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.get("type").asText().equals("epoch")) {
                epochs.add(n);
            }
        }
        assertEquals(2, epochs.size());
        for (String k : List.of("train_loss", "train_acc", "test_loss", "test_acc", "lr", "drop_path")) {
            assertTrue(epochs.get(1).get(k).isNumber(), k + " in " + epochs.get(1));
        }
        assertEquals(stored.get("test_accuracy").asDouble(), epochs.get(1).get("test_acc").asDouble());
        Map<String, Safetensors.Tensor> model = Safetensors.read(Files.readAllBytes(run.resolve("model/weights.safetensors")),
                "weights.safetensors");
        assertEquals(40, model.get("stem.1.num_batches_tracked").values()[0]);
        assertTrue(Files.exists(run.resolve("model/genotype.txt")) && Files.exists(run.resolve("model/config.conf")));
    }

    @Test
    void anInterruptedRetrainResumesBitIdentically(@TempDir Path out) throws Exception {
        List<String> common = List.of("retrain.genotype=DARTS_V2", "search.layers=3", "search.channels=4",
                "retrain.drop-path=0.3", "retrain.cutout=8", "retrain.auxiliary-weight=0.4", "data.augment=true",
                "checkpoint.every-steps=3", "retrain.steps-per-epoch=5", "retrain.test-limit=64");
        List<String> straight = new ArrayList<>(tinyRetrain(out, "straight"));
        straight.addAll(common);
        JsonNode a = RetrainRun.execute(SearchConfig.load(null, straight), false, quiet());

        List<String> stopped = new ArrayList<>(tinyRetrain(out, "stopped"));
        stopped.addAll(common);
        List<String> budget = new ArrayList<>(stopped);
        budget.add("run.max-steps=4"); // stops mid-epoch 1, after a checkpoint at step 3 and one at the stop
        assertThrows(SearchSuspendedException.class, () -> RetrainRun.execute(SearchConfig.load(null, budget), false,
                quiet()));
        assertFalse(Files.exists(out.resolve("stopped/result.json")));
        JsonNode b = RetrainRun.execute(SearchConfig.load(null, stopped), false, quiet());
        assertEquals(a.get("test_loss").asDouble(), b.get("test_loss").asDouble(), 0.0);
        assertEquals(a.get("model_sha256"), b.get("model_sha256"));
        assertArrayEquals(Files.readAllBytes(out.resolve("straight/model/weights.safetensors")),
                Files.readAllBytes(out.resolve("stopped/model/weights.safetensors")));
        assertEquals(Files.readAllLines(out.resolve("straight/metrics.jsonl")).stream().map(RetrainRunTest::withoutTimes)
                .toList(), Files.readAllLines(out.resolve("stopped/metrics.jsonl")).stream()
                .map(RetrainRunTest::withoutTimes).toList());
    }

    static String withoutTimes(String line) {
        return line.replaceAll("\"seconds\":[0-9.Ee-]+", "");
    }

    @Test
    void dartsV2FromTextRetrainsOneStep(@TempDir Path out) throws Exception {
        String text = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1),"
                + " ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)],"
                + " normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2),"
                + " ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2),"
                + " ('max_pool_3x3', 1)], reduce_concat=range(2, 6))";
        Main.RetrainOptions o = new Main.RetrainOptions();
        o.genotype = text;
        SearchConfig cfg = o.apply(SearchConfig.load(null, List.of("run.output=" + out, "run.id=v2", "data.limit=64",
                "retrain.layers=3", "retrain.channels=4", "retrain.epochs=1", "retrain.batch=16",
                "retrain.steps-per-epoch=1", "retrain.test-limit=32")));
        JsonNode r = RetrainRun.execute(cfg, false, quiet());
        assertEquals(1, r.get("steps").asInt());
        assertTrue(r.get("genotype").asText().contains("('dil_conv_3x3', 2)"));
        assertEquals(32, r.get("test_examples").asInt());
    }



    private static CliRun.Outcome retrain(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("retrain", "run.output=" + out, "run.id=bad", "data.limit=64",
                "search.layers=3", "search.channels=4", "retrain.epochs=1", "retrain.batch=16",
                "retrain.steps-per-epoch=1", "retrain.test-limit=32"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(new String[0]));
    }

    static final String V2_REDUCE = ", reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2),"
            + " ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)],"
            + " reduce_concat=[2, 3, 4, 5])";

    @Test
    void badGenotypesAreConfigErrorsNamingTheInputAndWriteNoResult(@TempDir Path out) throws Exception {
        Map<String, String> cases = Map.of(
                "Genotype(normal=[('conv_9x9', 0), ('sep_conv_3x3', 1)], normal_concat=[2]" + V2_REDUCE, "conv_9x9",
                "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 3)], normal_concat=[2]" + V2_REDUCE, "reads state 3",
                "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 0)], normal_concat=[2]"
                        + V2_REDUCE, "two (op, input) entries per node",
                "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)], normal_concat=[2, 3]" + V2_REDUCE,
                "concat state 3",
                "Genotype(normal=[('sep_conv_3x3', 0)", "cannot read the genotype",
                "NO_SUCH_GENOTYPE", "unknown genotype",
                "/no/such/genotype.txt", "neither DARTS text");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            CliRun.Outcome o = retrain(out, "--genotype", c.getKey());
            assertEquals(Main.EXIT_CONFIG, o.code(), c.getKey() + ": " + o.err());
            assertTrue(o.err().contains("sparknas.retrain.genotype") || o.err().contains("retrain.genotype"), o.err());
            assertTrue(o.err().contains(c.getValue()), c.getValue() + " in " + o.err());
            assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
            assertFalse(Files.exists(out.resolve("bad/result.json")));
        }
    }

    @Test
    void perCellGenotypeOfTheWrongLengthNamesTheLayersKey(@TempDir Path out) throws Exception {
        String cell = "{\"edges\": [{\"op\": \"sep_conv_3x3\", \"input\": 0}, {\"op\": \"skip_connect\", \"input\": 1}],"
                + " \"concat\": [2]}";
        Path file = out.resolve("cells.json");
        Files.writeString(file, "{\"cells\": [" + cell + ", " + cell + "]}");
        CliRun.Outcome o = retrain(out, "--genotype", file.toString());
        assertEquals(Main.EXIT_CONFIG, o.code(), o.err());
        assertTrue(o.err().contains("per-cell genotype has 2 cells") && o.err().contains("retrain.layers=2"), o.err());
        // three cells for three layers is a network
        Files.writeString(file, "{\"cells\": [" + cell + ", " + cell + ", " + cell + "]}");
        CliRun.Outcome ok = retrain(out, "--genotype", file.toString(), "run.id=cells");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(Files.exists(out.resolve("cells/result.json")));
    }

    @Test
    void missingTestFilesAreADataErrorNamingThePath(@TempDir Path out) {
        CliRun.Outcome o = retrain(out, "--genotype", "DARTS_V2", "data.test-images=" + out.resolve("nope-images.gz"));
        assertEquals(Main.EXIT_DATA, o.code(), o.err());
        assertTrue(o.err().contains("nope-images.gz"), o.err());
        assertFalse(Files.exists(out.resolve("bad/result.json")));
        CliRun.Outcome notFinished = retrain(out, "--from", out.resolve("nowhere").toString());
        assertEquals(Main.EXIT_DATA, notFinished.code(), notFinished.err());
        assertTrue(notFinished.err().contains("nowhere"), notFinished.err());
    }

    @Test
    void dartsEvaluationBatchBeyondTheHeapIsRefusedBeforeTheFirstStep(@TempDir Path out) {
        // 20 cells x 36 channels at batch 96 need about 30 GB (docs/performance.md); the test JVM has far less
        CliRun.Outcome o = retrain(out, "--genotype", "DARTS_V2", "search.layers=20", "search.channels=36",
                "retrain.batch=96", "data.limit=128");
        assertEquals(Main.EXIT_CONFIG, o.code(), o.err());
        assertTrue(o.err().contains("re-training needs about") && o.err().contains("SPARKNAS_HEAP"), o.err());
        assertFalse(Files.exists(out.resolve("bad/metrics.jsonl")));
    }
}
