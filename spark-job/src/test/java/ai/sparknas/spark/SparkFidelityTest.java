package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.bench.Bench;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.SearchData;
import ai.sparknas.driver.fidelity.FidelityStudy;
import ai.sparknas.driver.search.SearchSetup;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fidelity study on Spark rounds equals the study on the in-process fold of the same shards. */
class SparkFidelityTest extends LocalSparkTest {

    @Test
    void sparkStudyEqualsTheInProcessFold() throws Exception {
        List<String> o = new ArrayList<>(TestData.tinySearch(files, "amended", 2, 8));
        SearchConfig cfg = SearchConfig.load(null, o);
        FidelityStudy.Options opts = new FidelityStudy.Options(1, 1, 1.0, 10, 100, 1e-6, List.of(2), 0);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        SearchData data = SearchData.load(cfg.data());
        List<ObjectNode> local = FidelityStudy.run(cfg, opts, c -> {
            SearchSetup.InProcess ip = SearchSetup.inProcess(c, data, 2);
            return new Bench.Instance(ip.setup(), ip.oracle(), "in-process", () -> 0, ip.setup().network);
        }, null, quiet, n -> { });
        List<ObjectNode> spark = FidelityStudy.run(cfg, opts, c -> {
            SparkOracle oracle = SparkOracle.create(sc, c);
            return new Bench.Instance(oracle.setup(), oracle, "spark", () -> 0, oracle);
        }, null, quiet, n -> { });
        assertEquals(local.size(), spark.size());
        assertEquals(local.get(0).get("residual").get("median").asDouble(),
                spark.get(0).get("residual").get("median").asDouble(), 1e-6, "reference residual");
        for (int i = 1; i < local.size(); i++) {
            for (String metric : List.of("cos_to_reference", "rel_error")) {
                JsonNode a = local.get(i).get(metric).get("median");
                JsonNode b = spark.get(i).get(metric).get("median");
                assertTrue(Math.abs(a.asDouble() - b.asDouble()) <= 1e-6 * Math.max(1, Math.abs(a.asDouble())),
                        local.get(i).get("estimator") + " " + metric + ": " + a + " vs " + b);
            }
            assertEquals(local.get(i).get("passes").asInt(), spark.get(i).get("passes").asInt());
        }
    }
}
