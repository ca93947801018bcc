package ai.sparknas.driver.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bench prints one well-formed JSON line per estimator with the passes each estimator makes; in
 * turns, each line also carries its median per-round step-time ratio to the first estimator.
 */
class BenchTest {

    @ParameterizedTest(name = "interleave {0}")
    @ValueSource(booleans = {false, true})
    void oneLinePerEstimatorWithItsPassCount(boolean interleave) throws Exception {
        SearchConfig cfg = SearchConfig.load(null, List.of("data.limit=64", "search.layers=3", "search.channels=4",
                "search.batch=8", "compute.threads=2"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Bench.run(cfg, SearchConfig.ESTIMATORS, 0, 3, interleave, new PrintStream(out, true, StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        int m = SearchConfig.ESTIMATORS.size();
        assertEquals(m, lines.length);
        // passes per step = the estimator's α passes + the weight step; exact products by default
        // (second-order: 2 + 1 product; amended: 1 + 2 products; implicit, Neumann K = 5: 1 + 6 products)
        int[] passes = {2, 4, 4, 8};
        // forward units per step, the anchor's convention (a gradient pass 1 + 1 or 2, an R-pass nominally 6)
        int[] units = {5, 15, 18, 42};
        ObjectMapper json = new ObjectMapper();
        JsonNode firstTimes = json.readTree(lines[0]).get("step_times_s");
        for (int i = 0; i < m; i++) {
            JsonNode n = json.readTree(lines[i]);
            if (interleave) {
                List<Double> ratios = new ArrayList<>();
                for (int k = 0; k < 3; k++) {
                    ratios.add(n.get("step_times_s").get(k).asDouble() / firstTimes.get(k).asDouble());
                }
                ratios.sort(Double::compare);
                assertEquals(ratios.get(1), n.get("median_step_ratio_to_first").asDouble(), 1e-3 * ratios.get(1));
            } else {
                assertTrue(n.get("median_step_ratio_to_first") == null, "no ratio when run one after the other");
            }
            assertEquals(SearchConfig.ESTIMATORS.get(i), n.get("estimator").asText());
            assertEquals(passes[i], n.get("passes_per_step").asDouble(), 0.0);
            assertTrue(n.get("median_step_s").asDouble() > 0);
            assertEquals(3, n.get("step_times_s").size());
            assertTrue(n.get("effective_gflops").asDouble() > 0 && n.get("peak_rss_mb").asDouble() > 0);
            assertEquals(n.get("median_step_s").asDouble() / passes[i], n.get("per_pass_s").asDouble(), 1e-4);
            double perUnit = n.get("forward_gflop_per_image").asDouble() * n.get("batch").asInt();
            assertEquals(units[i], n.get("nominal_step_gflop").asDouble() / perUnit, 0.05 * units[i]);
        }
    }

    @org.junit.jupiter.api.Test
    void passTimesPredictTheStepsFromThePassCounts() throws Exception {
        SearchConfig cfg = SearchConfig.load(null, List.of("data.limit=64", "search.layers=3", "search.channels=4",
                "search.batch=8", "compute.threads=2"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Bench.passes(cfg, 0, 3, new PrintStream(out, true, StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(8, lines.length);
        ObjectMapper json = new ObjectMapper();
        java.util.Map<String, Double> median = new java.util.HashMap<>();
        java.util.Map<String, Double> held = new java.util.HashMap<>();
        for (int i = 0; i < 7; i++) {
            JsonNode n = json.readTree(lines[i]);
            assertEquals(3, n.get("times_s").size());
            median.put(n.get("pass").asText(), n.get("median_s").asDouble());
            held.put(n.get("pass").asText(), n.get("held_mb").asDouble());
        }
        assertTrue(held.get("none") > 0, "a forward pass holds its activations to its end");
        assertTrue(held.get("alpha") < held.get("both"), "∇α alone gives the convolutions' inputs back: " + held);
        java.util.Map<String, Double> kept = heldByPass(List.of("compute.recompute=none"));
        assertTrue(kept.get("product_alpha") < kept.get("product_both"), "so does ∇²αω·d alone: " + kept);
        assertTrue(held.get("product_weights") < 0.75 * kept.get("product_weights"),
                "an H·d pass that recomputes holds less: " + held + " vs " + kept);
        assertEquals(kept.get("both"), held.get("both"), "a gradient pass recomputes only under compute.recompute=all");
        assertEquals(java.util.Set.of("none", "alpha", "weights", "both", "product_weights", "product_alpha",
                "product_both"), median.keySet());
        JsonNode p = json.readTree(lines[7]);
        double first = median.get("alpha") + median.get("weights");
        double amended = median.get("both") + 3 * median.get("weights") + 2 * median.get("alpha");
        assertEquals(first, p.get("predicted_first_order_step_s").asDouble(), 1e-4);
        assertEquals(amended, p.get("predicted_amended_step_s").asDouble(), 1e-4);
        assertEquals(amended / first, p.get("predicted_amended_over_first_order").asDouble(), 1e-3);
        assertEquals(3 + (median.get("both") - median.get("alpha")) / first,
                p.get("predicted_amended_over_first_order").asDouble(), 1e-3, "= 3 + the weight-gradient share");
        double exact = median.get("both") + median.get("product_weights") + median.get("product_alpha")
                + median.get("weights");
        assertEquals(exact, p.get("predicted_amended_exact_step_s").asDouble(), 1e-4);
        assertEquals(median.get("product_weights") / median.get("weights"),
                p.get("product_weights_over_weights_pass").asDouble(), 1e-3);
    }

    /** held_mb of each pass kind of {@link Bench#passes} on a small config with {@code overrides}. */
    private static java.util.Map<String, Double> heldByPass(List<String> overrides) throws Exception {
        List<String> keys = new java.util.ArrayList<>(List.of("data.limit=64", "search.layers=3", "search.channels=4",
                "search.batch=8", "compute.threads=2"));
        keys.addAll(overrides);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Bench.passes(SearchConfig.load(null, keys), 0, 1, new PrintStream(out, true, StandardCharsets.UTF_8));
        java.util.Map<String, Double> held = new java.util.HashMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).trim().split("\n")) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.has("pass")) {
                held.put(n.get("pass").asText(), n.get("held_mb").asDouble());
            }
        }
        return held;
    }
}
