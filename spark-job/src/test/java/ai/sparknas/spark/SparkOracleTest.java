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
        return config(estimator, partitions, "exact");
    }

    private static SearchConfig config(String estimator, int partitions, String products) {
        List<String> o = new java.util.ArrayList<>(TestData.tinySearch(files, estimator, partitions, 8));
        o.add("estimator.products=" + products);
        o.add("estimator.implicit.method=cg");
        o.add("estimator.implicit.steps=2");
        return SearchConfig.load(null, o);
    }

    @ParameterizedTest(name = "{0}, {1} partitions, {2} products")
    @CsvSource({"first-order, 2, exact", "first-order, 4, exact", "second-order, 2, exact", "second-order, 4, exact",
        "amended, 2, exact", "amended, 4, exact", "implicit, 2, exact", "second-order, 2, finite-difference",
        "amended, 4, finite-difference"})
    void sparkRoundsEqualTheInProcessFoldOverTheSameShards(String estimator, int partitions, String products)
            throws Exception {
        SearchConfig cfg = config(estimator, partitions, products);
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

    /**
     * First-order's barrier round (the tasks exchange ∇α sums and apply the Adam step themselves) ends in
     * the state of its two rounds, bit for bit, with one round per step; where the partitions outnumber
     * the slots (4 on local[2]) the two rounds run.
     */
    @ParameterizedTest(name = "{0} partitions")
    @CsvSource({"1", "2", "4"})
    void fusedFirstOrderRoundGivesTheBitsOfTwoRounds(int partitions) throws Exception {
        SearchConfig cfg = config("first-order", partitions);
        String fusedDigest;
        try (SparkOracle spark = SparkOracle.create(sc, cfg)) {
            assertEquals(partitions <= 2, spark.fusesFirstOrderStep(), "fits local[2]");
            SearchState s = run(spark.setup(), spark);
            fusedDigest = s.digest();
            var records = spark.drainRoundRecords();
            assertEquals(partitions <= 2 ? STEPS : 2 * STEPS, records.size(), records.toString());
            if (partitions <= 2) {
                long alphas = spark.setup().network.alphaLayout().size();
                for (var r : records) {
                    assertEquals("α data: ∇α, α step, ω data: ∇ω", r.get("what"), r.toString());
                    double seconds = (double) r.get("seconds");
                    double exchange = (double) r.get("exchange_s");
                    double fetch = (double) r.get("fetch_s");
                    assertTrue(exchange > 0 && exchange < seconds && fetch >= 0 && fetch < seconds, r.toString());
                    long perTask = spark.setup().network.weightLayout().size() + 2 * alphas;
                    assertEquals(partitions * 8L * perTask, (long) r.get("result_bytes"), r.toString());
                }
            }
        }
        try (SparkOracle spark = SparkOracle.create(sc, cfg.withOverrides(List.of("spark.fuse-rounds=never")))) {
            assertFalse(spark.fusesFirstOrderStep());
            SearchState s = run(spark.setup(), spark);
            assertEquals(2 * STEPS, spark.drainRoundRecords().size());
            assertEquals(s.digest(), fusedDigest, "fused vs two rounds");
            assertFalse(s.alpha().equalsWithEps(spark.setup().initialState().alpha(), 0), "α moved");
        }
    }

    /**
     * A barrier round that fails (Spark aborts a failed barrier result stage instead of retrying it, as
     * after a lost executor) runs again as two rounds and gives the same sums and α'.
     */
    @Test
    void failedBarrierRoundRunsAgainAsTwoRounds() throws Exception {
        try (SparkOracle spark = SparkOracle.create(sc, config("first-order", 2))) {
            SearchState s = spark.setup().initialState();
            ai.sparknas.kernels.grad.AlphaStep adam = s.alphaOptimizer().preview();
            ai.sparknas.kernels.grad.AlphaStep failsOnExecutors = failsOnExecutors(adam);
            spark.beginStep(0, 0);
            var fused = spark.firstOrderStep(s.weights(), s.alpha(), adam);
            assertEquals(1, spark.drainRoundRecords().size());
            spark.beginStep(0, 0);
            var again = spark.firstOrderStep(s.weights(), s.alpha(), failsOnExecutors);
            assertEquals(List.of("α data: ∇α", "ω data: ∇ω"),
                    spark.drainRoundRecords().stream().map(r -> r.get("what")).toList());
            assertArrayEquals(fused.nextAlpha().toDoubleVector(), again.nextAlpha().toDoubleVector(), 0.0);
            assertArrayEquals(fused.val().alphaGrad().toDoubleVector(), again.val().alphaGrad().toDoubleVector(), 0.0);
            assertArrayEquals(fused.train().weightGrad().toDoubleVector(), again.train().weightGrad().toDoubleVector(),
                    0.0);
            assertEquals(fused.train().lossSum(), again.train().lossSum(), 0.0);
        }
    }

    /** {@code step} on the driver; an injected failure in a Spark task. */
    private static ai.sparknas.kernels.grad.AlphaStep failsOnExecutors(ai.sparknas.kernels.grad.AlphaStep step) {
        return (a, g) -> {
            if (org.apache.spark.TaskContext.get() != null) {
                throw new IllegalStateException("injected executor failure");
            }
            return step.next(a, g);
        };
    }

    /**
     * Barrier rounds that fail step after step have a cause that stays: after {@code BARRIER_FAILURES_IN_A_ROW}
     * steps running the run stops trying them; a round that succeeds in between starts the count again.
     */
    @Test
    void barrierRoundsThatKeepFailingAreNotTriedAgain() throws Exception {
        try (SparkOracle spark = SparkOracle.create(sc, config("first-order", 2))) {
            SearchState s = spark.setup().initialState();
            ai.sparknas.kernels.grad.AlphaStep adam = s.alphaOptimizer().preview();
            ai.sparknas.kernels.grad.AlphaStep failsOnExecutors = failsOnExecutors(adam);
            for (int i = 1; i < SparkOracle.BARRIER_FAILURES_IN_A_ROW; i++) {
                spark.beginStep(0, 0);
                spark.firstOrderStep(s.weights(), s.alpha(), failsOnExecutors);
                assertTrue(spark.fusesFirstOrderStep(), "after " + i + " failure(s) in a row");
            }
            spark.beginStep(0, 0);
            spark.firstOrderStep(s.weights(), s.alpha(), adam);
            for (int i = 1; i <= SparkOracle.BARRIER_FAILURES_IN_A_ROW; i++) {
                assertTrue(spark.fusesFirstOrderStep(), "a success starts the count again; " + (i - 1) + " since");
                spark.beginStep(0, 0);
                spark.firstOrderStep(s.weights(), s.alpha(), failsOnExecutors);
            }
            assertFalse(spark.fusesFirstOrderStep(), "given up after " + SparkOracle.BARRIER_FAILURES_IN_A_ROW);
            spark.drainRoundRecords();
        }
    }

    /**
     * In float32 (the default precision) the kernels read float32(ω) and return float-valued sums, so ω and
     * the directions travel as floats and the sums come back as floats: with 2 partitions (the in-process
     * fold adds the same two shards' sums in the same order as the partition tree) a Spark search ends in the
     * in-process fold's bits, for every estimator and product method.
     */
    @ParameterizedTest(name = "{0}, {1} products")
    @CsvSource({"first-order, exact", "second-order, exact", "amended, exact", "amended, finite-difference",
        "second-order, finite-difference"})
    void float32SparkRoundsGiveTheInProcessFoldsBits(String estimator, String products) throws Exception {
        List<String> o = new java.util.ArrayList<>(TestData.tinySearch(files, estimator, 2, 8));
        o.add("estimator.products=" + products);
        o.add("compute.precision=float32");
        SearchConfig cfg = SearchConfig.load(null, o);
        SearchSetup.InProcess reference = SearchSetup.inProcess(cfg, SearchData.load(cfg.data()), 2);
        try (SparkOracle spark = SparkOracle.create(sc, cfg)) {
            SearchState ref = run(reference.setup(), reference.oracle());
            SearchState got = run(spark.setup(), spark);
            assertArrayEquals(ref.alpha().toDoubleVector(), got.alpha().toDoubleVector(), 0.0, "α");
            assertArrayEquals(ref.weights().toDoubleVector(), got.weights().toDoubleVector(), 0.0, "ω");
            assertEquals(ref.digest(), got.digest());
            long weights = spark.setup().network.weightLayout().size();
            var first = spark.drainRoundRecords().get(0);
            boolean exact = products.equals("exact");
            assertEquals((exact ? 4L : 8L) * weights, (long) first.get("broadcast_bytes"), "ω as floats: " + first);
        }
    }

    /** A product round ships ω and the direction and returns the product sums: the fold's, to 1e-9. */
    @ParameterizedTest(name = "{0} partitions")
    @CsvSource({"2", "4"})
    void productRoundsEqualTheInProcessFold(int partitions) throws Exception {
        SearchConfig cfg = config("amended", partitions);
        SearchSetup.InProcess reference = SearchSetup.inProcess(cfg, SearchData.load(cfg.data()), partitions);
        try (SparkOracle spark = SparkOracle.create(sc, cfg)) {
            SearchState s = spark.setup().initialState();
            INDArray d = spark.setup().network.initialWeights(99);
            reference.oracle().beginStep(0, 1);
            spark.beginStep(0, 1);
            var expected = reference.oracle().products(s.weights(), d, s.alpha(), ai.sparknas.kernels.grad.Split.TRAIN,
                    ai.sparknas.kernels.grad.Wanted.BOTH);
            var actual = spark.products(s.weights(), d, s.alpha(), ai.sparknas.kernels.grad.Split.TRAIN,
                    ai.sparknas.kernels.grad.Wanted.BOTH);
            assertEquals(expected.count(), actual.count());
            assertEquals(expected.lossSum(), actual.lossSum(), 1e-12 * Math.abs(expected.lossSum()));
            assertRelative(expected.weightGrad(), actual.weightGrad(), 1e-9, "Σ H·d");
            assertRelative(expected.alphaGrad(), actual.alphaGrad(), 1e-9, "Σ ∇²αω·d");
        }
    }

    private static void assertRelative(INDArray expected, INDArray actual, double tol, String what) {
        double ref = expected.norm2Number().doubleValue();
        double diff = expected.sub(actual).norm2Number().doubleValue();
        assertTrue(ref > 0, what + " vanished");
        assertTrue(diff <= tol * ref, what + ": relative difference " + diff / ref);
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
        try (SparkOracle spark = SparkOracle.create(sc, config("amended", 2));
             SparkOracle fd = SparkOracle.create(sc, config("amended", 2, "finite-difference"))) {
            run(spark.setup(), spark);
            fd.beginStep(0, 0);
            fd.setup().estimator.estimate(fd, new SearchPoint(fd.setup().initialState().weights(),
                    fd.setup().initialState().alpha(), null, 0.025));
        } finally {
            sc.sc().removeSparkListener(listener);
        }
        int total = 4; // 32 records per half, 2 partitions of 16, 4 examples each per step
        for (String expected : List.of("step 1/" + total + " · amended · round A (α data: ∇α, ∇ω)",
                "step 1/" + total + " · amended · round B (exact H·d)", "step 2/" + total
                        + " · amended · round C (exact ∇²αω·d)", "step 3/" + total + " · amended · round D (ω data: ∇ω)",
                "step 1/" + total + " · amended · round B (H·v)", "step 1/" + total + " · amended · round C (mixed ∇²αω·u)")) {
            assertTrue(descriptions.contains(expected), expected + " not among " + descriptions);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"first-order", "second-order", "amended", "implicit"})
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
