package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.SearchData;
import ai.sparknas.driver.search.SearchSetup;
import ai.sparknas.driver.search.SearchState;
import ai.sparknas.kernels.estimate.AlphaGradient;
import ai.sparknas.kernels.estimate.SearchPoint;
import ai.sparknas.kernels.grad.GradientOracle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Spark rounds against the in-process fold over the same shards (MLlib's RDDLossFunctionSuite
 * pattern), in float64 on local[2]: every estimator term, the α-gradient, and α, ω after 3 full
 * steps agree within 1e-6 relative; two Spark runs agree bit for bit.
 */
class SparkOracleTest extends LocalSparkTest {

    private static final double TOLERANCE = 1e-6;
    private static final int STEPS = 3;


    private static SearchConfig config(String estimator, int partitions) {
        return SearchConfig.load(null, TestData.tinySearch(files, estimator, partitions, 8));
    }

    @ParameterizedTest(name = "{0}, {1} partitions")
    @CsvSource({"first-order, 2", "first-order, 4", "second-order, 2", "second-order, 4", "amended, 2", "amended, 4"})
    void sparkRoundsEqualTheInProcessFoldOverTheSameShards(String estimator, int partitions) throws Exception {
        SearchConfig cfg = config(estimator, partitions);
        SearchSetup.InProcess reference = SearchSetup.inProcess(cfg, SearchData.load(cfg.data()), partitions);
        try (SparkOracle spark = SparkOracle.create(sc, cfg)) {
            SearchSetup setup = spark.setup();
            assertEquals(reference.setup().stepsPerEpoch, setup.stepsPerEpoch);

            // one α-gradient and every intermediate term (g1, v, H·v, mixed term, ...)
            AlphaGradient expected = estimate(reference.setup(), reference.oracle());
            AlphaGradient actual = estimate(setup, spark);
            assertClose(expected.gradient(), actual.gradient(), "α-gradient");
            assertEquals(expected.terms().keySet(), actual.terms().keySet());
            for (Map.Entry<String, INDArray> t : expected.terms().entrySet()) {
                assertClose(t.getValue(), actual.terms().get(t.getKey()), estimator + " term " + t.getKey());
            }
            assertEquals(expected.val().lossSum(), actual.val().lossSum(), 1e-9 * Math.abs(expected.val().lossSum()));
            assertEquals(expected.val().count(), actual.val().count());

            // α and ω after full steps
            SearchState ref = run(reference.setup(), reference.oracle());
            SearchState got = run(setup, spark);
            assertClose(ref.alpha(), got.alpha(), "α after " + STEPS + " steps");
            assertClose(ref.weights(), got.weights(), "ω after " + STEPS + " steps");
            assertFalse(got.alpha().equalsWithEps(setup.initialState().alpha(), 0), "α moved");
            var records = spark.drainRoundRecords();
            assertFalse(records.isEmpty(), "round records are kept for the metrics");
            assertTrue(records.stream().allMatch(r -> (double) r.get("seconds") >= (double) r.get("compute_s")));
            long weightBytes = 8L * setup.network.weightLayout().size();
            for (var r : records) {
                // ω is broadcast by the first round of a step and reused by the weight step (round D)
                if (r.get("round").equals("A")) {
                    assertEquals(weightBytes, (long) r.get("broadcast_bytes"), r.toString());
                } else if (r.get("what").equals("ω data: ∇ω") && !estimator.equals("second-order")) {
                    assertEquals(0L, (long) r.get("broadcast_bytes"), r.toString());
                }
            }
        }
    }

    @Test
    void sparkJobsAreNamedAfterStepEstimatorAndRound() throws Exception {
        List<String> descriptions = new CopyOnWriteArrayList<>();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                descriptions.add(String.valueOf(start.properties().getProperty("spark.job.description")));
            }
        };
        sc.sc().addSparkListener(listener);
        try (SparkOracle spark = SparkOracle.create(sc, config("amended", 2))) {
            run(spark.setup(), spark);
        } finally {
            sc.sc().removeSparkListener(listener);
        }
        int total = 4; // 32 records per half, 2 partitions of 16, 4 examples each per step
        for (String expected : List.of("step 1/" + total + " · amended · round A (α data: ∇α, ∇ω)",
                "step 1/" + total + " · amended · round B (H·v)", "step 2/" + total + " · amended · round C (mixed ∇²αω·u)",
                "step 3/" + total + " · amended · round D (ω data: ∇ω)")) {
            assertTrue(descriptions.contains(expected), expected + " not among " + descriptions);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"first-order", "second-order", "amended"})
    void twoSparkRunsAreBitIdentical(String estimator) throws Exception {
        // 8 partitions: enough for treeAggregate to add a level at depth 2 (it does when P > 2·⌈√P⌉)
        Path[] many = TestData.writeIdx(dir.resolve("many"), 256, 8, 4, 6);
        SearchConfig cfg = SearchConfig.load(null, TestData.tinySearch(many, estimator, 8, 16));
        double[][] first;
        try (SparkOracle spark = SparkOracle.create(sc, cfg)) {
            SearchState s = run(spark.setup(), spark);
            first = new double[][] {s.alpha().toDoubleVector(), s.weights().toDoubleVector()};
        }
        try (SparkOracle spark = SparkOracle.create(sc, cfg.withOverrides(List.of("spark.tree-depth=2")))) {
            SearchState s = run(spark.setup(), spark);
            assertArrayEquals(first[0], s.alpha().toDoubleVector(), 0.0, "α, tree depth 1 vs 2");
            assertArrayEquals(first[1], s.weights().toDoubleVector(), 0.0, "ω, tree depth 1 vs 2");
        }
    }

    private static AlphaGradient estimate(SearchSetup setup, GradientOracle oracle) {
        SearchState s = setup.initialState();
        oracle.beginStep(0, 0);
        return setup.estimator.estimate(oracle, new SearchPoint(s.weights(), s.alpha(), null, setup.schedule.at(0)));
    }

    private static SearchState run(SearchSetup setup, GradientOracle oracle) {
        SearchState s = setup.initialState();
        var loop = setup.loop(oracle, null);
        for (int step = 0; step < STEPS; step++) {
            loop.step(s, 0, step, setup.schedule.at(0));
        }
        return s;
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double[] e = expected.toDoubleVector();
        double[] a = actual.toDoubleVector();
        assertEquals(e.length, a.length, what + " length");
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < e.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
            diff = Math.max(diff, Math.abs(e[i] - a[i]));
        }
        assertTrue(scale > 0, what + " is all zeros: nothing compared");
        assertTrue(diff <= TOLERANCE * scale, what + ": max |Δ| " + diff + " > 1e-6 × max |x| " + scale);
    }
}
