package ai.sparknas.driver.fidelity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.bench.Bench;
import ai.sparknas.driver.cli.Main;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.SearchData;
import ai.sparknas.driver.search.SearchSetup;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fidelity study end to end on a tiny network: a line for the reference and for every estimator
 * variant, a reference whose residual, recomputed here from its own products, is below its bound,
 * and finite cosines for the estimators that have a second term.
 */
class FidelityStudyTest {

    static final List<String> TINY = List.of("data.limit=64", "search.layers=3", "search.channels=2", "search.batch=8",
            "compute.threads=2", "compute.precision=float64");

    @Test
    void everyVariantGetsALineAndTheReferenceIsSelfConsistent() throws Exception {
        SearchConfig cfg = SearchConfig.load(null, TINY);
        SearchData data = SearchData.load(cfg.data());
        // λ = 10 exceeds |λ_min(H)| of this network: the damped system is definite and MINRES converges quickly
        FidelityStudy.Options o = new FidelityStudy.Options(2, 2, 1.0, 10, 200, 1e-3, List.of(1, 3), 3);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        List<JsonNode> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        SearchSetup.InProcess ip = SearchSetup.inProcess(cfg, data, 1);
        List<com.fasterxml.jackson.databind.node.ObjectNode> summary;
        try {
            summary = FidelityStudy.run(cfg, o, ip.setup(), ip.oracle(), null,
                    new PrintStream(progress, true, StandardCharsets.UTF_8), lines::add);
        } finally {
            ip.setup().network.close();
        }
        assertEquals(2, lines.stream().filter(n -> n.get("type").asText().equals("point")).count());
        JsonNode reference = summary.get(0);
        assertEquals("reference", reference.get("type").asText());
        assertTrue(reference.get("residual").get("q3").asDouble() <= 1e-3, "reference residual " + reference);
        assertTrue(reference.get("hessian_lambda_max").get("median").isNumber());

        Set<String> labels = new TreeSet<>();
        for (JsonNode n : summary.subList(1, summary.size())) {
            labels.add(n.get("estimator").asText() + "/" + n.get("products").asText("-") + "/" + n.path("method").asText("")
                    + n.path("K").asText(""));
            double cos = n.get("cos_to_reference").get("median").asDouble();
            assertTrue(Double.isFinite(cos) && Math.abs(cos) <= 1 + 1e-12, n.toString());
            assertTrue(n.get("rel_error").get("median").asDouble() >= 0, n.toString());
            assertTrue(n.get("passes").asInt() >= 1);
            assertEquals(2, n.get("cos_to_reference").get("n").asInt());
        }
        assertEquals(Set.of("first-order/-/", "second-order/finite-difference/", "second-order/exact/",
                "amended/finite-difference/", "amended/exact/", "implicit/exact/neumann1", "implicit/exact/neumann3",
                "implicit/exact/cg1", "implicit/exact/cg3"), labels);
        JsonNode amendedExact = summary.stream().filter(n -> n.path("estimator").asText().equals("amended")
                && n.path("products").asText().equals("exact")).findFirst().orElseThrow();
        assertTrue(amendedExact.get("second_term_cos").get("n").asInt() == 2, "amended has a second term at every point");
        assertEquals(3, amendedExact.get("passes").asInt(), "1 gradient pass + 2 exact products");
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("point 2/2"));
    }

    @Test
    void referenceResidualIsTheTrueResidual() throws Exception {
        SearchConfig cfg = SearchConfig.load(null, TINY);
        SearchSetup.InProcess ip = SearchSetup.inProcess(cfg, SearchData.load(cfg.data()), 1);
        try {
            var s = ip.setup().initialState();
            ip.oracle().beginStep(0, 0);
            var val = ip.oracle().gradients(s.weights(), s.alpha(), ai.sparknas.kernels.grad.Split.VAL,
                    ai.sparknas.kernels.grad.Wanted.BOTH);
            double lambda = 10;
            ReferenceHypergradient ref = ReferenceHypergradient.solve(ip.oracle(), s.weights(), s.alpha(),
                    val.meanAlphaGrad(), val.meanWeightGrad(), lambda, 200, 1e-6);
            var hp = ip.oracle().products(s.weights(), ref.p(), s.alpha(), ai.sparknas.kernels.grad.Split.TRAIN,
                    ai.sparknas.kernels.grad.Wanted.BOTH);
            var residual = hp.weightGrad().div(hp.count()).addi(ref.p().mul(lambda)).subi(val.meanWeightGrad());
            double r = residual.norm2Number().doubleValue() / val.meanWeightGrad().norm2Number().doubleValue();
            assertEquals(r, ref.residual(), 1e-9, "reported residual");
            assertTrue(r <= 1e-6, "MINRES reached its tolerance: " + r);
            var z = hp.alphaGrad().div(hp.count());
            assertTrue(z.sub(ref.z()).norm2Number().doubleValue() <= 1e-12 * z.norm2Number().doubleValue(), "z* = B·p*");
            assertTrue(ref.g().equalsWithEps(val.meanAlphaGrad().sub(ref.z()), 1e-15), "g* = g1 − z*");
        } finally {
            ip.setup().network.close();
        }
    }

    @Test
    void theCommandWritesFidelityJsonlIntoTheRunDirectory(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("fidelity.jsonl");
        List<String> args = new ArrayList<>(List.of("fidelity", "--points", "1", "--warm-steps", "1",
                "--implicit-steps", "1", "--reference-damping", "10", "--power-iterations", "0", "--out", out.toString()));
        args.addAll(TINY);
        assertEquals(0, Main.run(args.toArray(String[]::new)));
        List<String> lines = Files.readAllLines(out);
        assertEquals(1 + 1 + 5 + 2, lines.size(), "1 point line, the reference, 5 variants + 2 implicit");
        assertEquals(2, Main.run("fidelity", "--points", "0"), "--points 0 is a usage error");
        assertEquals(2, Main.run("fidelity", "--from", dir.resolve("nothing").toString()), "--from without a run");
    }
}
