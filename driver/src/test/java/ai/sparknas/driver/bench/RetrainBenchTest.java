package ai.sparknas.driver.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The re-training bench times steps of the configured shape on synthetic CIFAR-10 records and reports one line. */
class RetrainBenchTest {

    @Test
    void timesStepsOnSyntheticCifarRecords() throws Exception {
        SearchConfig cfg = SearchConfig.load(null, List.of("retrain.layers=3", "retrain.channels=4", "retrain.batch=8",
                "retrain.auxiliary-weight=0.4", "compute.threads=2"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RetrainBench.run(cfg, 1, 2, 24, RetrainBench.inProcess(), new PrintStream(out, true, StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(1, lines.length);
        JsonNode n = new ObjectMapper().readTree(lines[0]);
        assertEquals("3x32x32", n.get("input").asText(), "DARTS' evaluation shape");
        assertEquals("DARTS_V2", n.get("genotype").asText(), "the default genotype");
        assertTrue(n.get("auxiliary").asBoolean());
        assertEquals(2, n.get("steps").asInt());
        double median = n.get("median_step_s").asDouble();
        assertTrue(median > 0);
        assertEquals(8 / median, n.get("images_per_s").asDouble(), 1e-9 * (8 / median));
        assertTrue(n.get("peak_rss_mb").asDouble() > 0);
    }
}
