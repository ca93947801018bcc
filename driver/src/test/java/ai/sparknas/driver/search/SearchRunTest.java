package ai.sparknas.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.GenotypeFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end on the Fashion-MNIST files that {@code .ci/run} installs: a short search with each
 * estimator finishes, every logged loss is finite, and a valid genotype is written.
 */
class SearchRunTest {

    static final String FASHION = "/usr/share/datasets/fashion-mnist/";

    static SearchConfig tiny(Path out, String estimator) {
        return SearchConfig.load(null, List.of("run.output=" + out, "run.id=e2e-" + estimator, "run.log-every=1",
                "data.train-images=" + FASHION + "train-images-idx3-ubyte.gz",
                "data.train-labels=" + FASHION + "train-labels-idx1-ubyte.gz", "data.limit=256",
                "search.layers=3", "search.channels=4", "search.batch=16", "search.epochs=2",
                "search.steps-per-epoch=2", "search.estimator=" + estimator, "compute.threads=2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"first-order", "second-order", "amended", "implicit"})
    void shortSearchWritesAValidGenotype(String estimator, @TempDir Path out) throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        Genotype g = SearchRun.execute(tiny(out, estimator), new PrintStream(progress, true, StandardCharsets.UTF_8));
        Path run = out.resolve("e2e-" + estimator);

        Genotype fromJson = GenotypeFormat.fromJson(Files.readString(run.resolve("genotype.json")));
        Genotype fromText = GenotypeFormat.parseDartsText(Files.readString(run.resolve("genotype.txt")).trim());
        assertEquals(g, fromJson);
        assertEquals(g, fromText);
        assertEquals(8, g.normal().size());
        assertEquals(8, g.reduce().size());
        for (int i = 0; i < 8; i++) {
            int node = i / 2;
            assertTrue(g.normal().get(i).input() < node + 2 && g.reduce().get(i).input() < node + 2);
            assertTrue(!g.normal().get(i).op().equals("none") && !g.reduce().get(i).op().equals("none"));
        }

        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        ObjectMapper json = new ObjectMapper();
        long steps = 0;
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            if (n.get("type").asText().equals("step")) {
                steps++;
                for (String k : List.of("train_loss", "val_loss", "grad_norm", "alpha_entropy")) {
                    assertTrue(Double.isFinite(n.get(k).asDouble()), k + " in " + line);
                }
                // the hypergradient's diagnostics: ‖second term‖/‖first term‖ and cos(g, first term)
                if (estimator.equals("first-order")) {
                    assertTrue(n.get("correction_ratio") == null, line);
                } else {
                    assertTrue(n.get("correction_ratio").asDouble() > 0, line);
                    double cos = n.get("cos_g_g1").asDouble();
                    assertTrue(cos >= -1 - 1e-12 && cos <= 1 + 1e-12, line);
                }
            }
        }
        assertEquals(4, steps, "2 epochs x 2 steps");
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            if (n.get("type").asText().equals("epoch")) {
                assertEquals(32, n.get("monitor_examples").asInt(), "2 α-data batches of 16");
                double gap = n.get("supernet_acc").asDouble() - n.get("subnet_acc").asDouble();
                assertEquals(gap, n.get("optimization_gap").asDouble(), 1e-12);
                assertTrue(Double.isFinite(n.get("subnet_loss").asDouble()));
            }
        }
        assertEquals(2, lines.size() - steps, "one line per epoch");
        assertTrue(Files.readString(run.resolve("config.conf")).contains(estimator));
        String printed = progress.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("epoch 2/2 step 2/2") && printed.contains("ETA"), printed);
        assertTrue(printed.contains("super-net acc") && printed.contains("sub-net acc"), printed);
    }
}
