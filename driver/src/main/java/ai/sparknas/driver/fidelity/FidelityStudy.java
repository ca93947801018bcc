package ai.sparknas.driver.fidelity;

import ai.sparknas.driver.bench.Bench;
import ai.sparknas.driver.bench.CountingOracle;
import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.search.Estimators;
import ai.sparknas.driver.search.SearchLoop;
import ai.sparknas.driver.search.SearchSetup;
import ai.sparknas.driver.search.SearchState;
import ai.sparknas.kernels.estimate.AlphaGradient;
import ai.sparknas.kernels.estimate.AlphaGradientEstimator;
import ai.sparknas.kernels.estimate.SearchPoint;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Vectors;
import ai.sparknas.kernels.grad.Wanted;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How good each α-gradient estimator is: at each of {@code points} (seed, α) points a small network
 * is brought toward ω*(α) by {@code warmSteps} weight steps at fixed α (or starts from a search
 * checkpoint), the {@link ReferenceHypergradient} g* is solved on the exact Hessian (MINRES), and every
 * estimator variant's g is compared with it on the same batches:
 * {@code cos_to_reference = cos(g, g*)}, {@code rel_error = ‖g − g*‖/‖g*‖} and
 * {@code second_term_cos = cos(first − g, z*)}, the angle between the estimator's second term and the
 * true one (the amended paper claims it stays under 90°). One JSON line per variant with the median
 * and quartiles over the points, its passes per estimate and median seconds; one for the reference.
 */
public final class FidelityStudy {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param points             (seed, α) points (≥ 1; 20 for the recorded study)
     * @param warmSteps          weight steps at fixed α before measuring (T)
     * @param alphaScale         α = alphaScale·N(0, 1) at each point (search init is 1e-3: nearly uniform)
     * @param referenceDamping   λ of the reference solve
     * @param referenceIterations most MINRES iterations (H·d products) of the reference
     * @param referenceTolerance its relative residual target
     * @param implicitSteps      the K values of the implicit variants
     * @param powerIterations    power steps for each of H's two extreme eigenvalues (0 = skip)
     */
    public record Options(int points, int warmSteps, double alphaScale, double referenceDamping,
                          int referenceIterations, double referenceTolerance, List<Integer> implicitSteps,
                          int powerIterations) {
        public Options {
            require(points >= 1, "--points must be >= 1");
            require(warmSteps >= 0, "--warm-steps must be >= 0");
            require(alphaScale >= 0 && Double.isFinite(alphaScale), "--alpha-scale must be >= 0");
            require(referenceDamping >= 0, "--reference-damping must be >= 0");
            require(referenceIterations >= 1, "--reference-iterations must be >= 1");
            require(referenceTolerance > 0, "--reference-tolerance must be > 0");
            require(implicitSteps.stream().allMatch(k -> k >= 1), "--implicit-steps must all be >= 1");
            require(powerIterations >= 0, "--power-iterations must be >= 0");
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new ConfigException(null, message);
            }
        }
    }

    /** Where a point starts: ω and α (a checkpoint's, or drawn from the point's seed). */
    public record Start(INDArray weights, INDArray alpha) {
    }

    /** One estimator as configured: its label fields and the estimator itself. */
    record Variant(String estimator, String products, String method, Integer k, AlphaGradientEstimator impl) {
    }

    private FidelityStudy() {
    }

    /** The variants the issue asks for, built from {@code cfg}'s other estimator keys. */
    static List<Variant> variants(SearchConfig cfg, List<Integer> implicitSteps) {
        List<Variant> out = new ArrayList<>();
        out.add(new Variant("first-order", null, null, null, Estimators.create("first-order", cfg)));
        for (String products : List.of("finite-difference", "exact")) {
            SearchConfig c = cfg.withOverrides(List.of("estimator.products=" + products));
            out.add(new Variant("second-order", products, null, null, Estimators.create("second-order", c)));
            out.add(new Variant("amended", products, null, null, Estimators.create("amended", c)));
        }
        for (String method : List.of("neumann", "cg")) {
            for (int k : implicitSteps) {
                SearchConfig c = cfg.withOverrides(List.of("estimator.products=exact", "estimator.implicit.method=" + method,
                        "estimator.implicit.steps=" + k));
                out.add(new Variant("implicit", "exact", method, k, Estimators.create("implicit", c)));
            }
        }
        return out;
    }

    /**
     * Runs the study on {@code backend}'s oracle and prints the summary lines; every line (per point
     * and summary) also goes to {@code sink}. {@code start} gives point i's start, or null to draw it.
     */
    public static List<ObjectNode> run(SearchConfig cfg, Options o, Bench.Backend backend,
                                       java.util.function.IntFunction<Start> start, PrintStream out,
                                       Consumer<ObjectNode> sink) throws IOException {
        Bench.Instance instance = backend.open(cfg);
        try {
            return run(cfg, o, instance.setup(), instance.oracle(), start, out, sink);
        } finally {
            try {
                instance.resources().close();
            } catch (Exception e) {
                throw new IOException("closing the fidelity backend: " + e.getMessage(), e);
            }
        }
    }

    static List<ObjectNode> run(SearchConfig cfg, Options o, SearchSetup setup, GradientOracle oracle,
                                java.util.function.IntFunction<Start> start, PrintStream out,
                                Consumer<ObjectNode> sink) {
        List<Variant> variants = variants(cfg, o.implicitSteps());
        int m = variants.size();
        List<List<Double>> cos = lists(m);
        List<List<Double>> rel = lists(m);
        List<List<Double>> second = lists(m);
        List<List<Double>> seconds = lists(m);
        long[] passes = new long[m];
        List<Double> residuals = new ArrayList<>();
        List<Double> referenceProducts = new ArrayList<>();
        List<Double> lambdaMax = new ArrayList<>();
        List<Double> lambdaMin = new ArrayList<>();
        double lr = setup.schedule.at(0);
        for (int i = 0; i < o.points(); i++) {
            long seed = cfg.run().seed() + i;
            SearchState state = setup.initialState();
            Start s = start == null ? null : start.apply(i);
            state.weights().assign(s != null ? s.weights() : setup.network.initialWeights(seed));
            state.alpha().assign(s != null ? s.alpha() : gaussian(state.alpha().length(), seed, o.alphaScale()));
            long step = warm(setup, oracle, state, o.warmSteps(), lr, (long) i * (o.warmSteps() + 1));
            oracle.beginStep((int) (step / setup.stepsPerEpoch), step % setup.stepsPerEpoch);
            INDArray w = state.weights();
            INDArray alpha = state.alpha();
            GradientSums val = oracle.gradients(w, alpha, Split.VAL, Wanted.BOTH);
            ReferenceHypergradient ref = ReferenceHypergradient.solve(oracle, w, alpha, val.meanAlphaGrad(),
                    val.meanWeightGrad(), o.referenceDamping(), o.referenceIterations(), o.referenceTolerance());
            residuals.add(ref.residual());
            if (o.powerIterations() > 0) {
                double[] eig = ReferenceHypergradient.extremeEigenvalues(oracle, w, alpha, val.meanWeightGrad(),
                        o.powerIterations());
                lambdaMax.add(Math.max(eig[0], eig[1]));
                lambdaMin.add(Math.min(eig[0], eig[1]));
            }
            referenceProducts.add((double) ref.products());
            ObjectNode point = JSON.createObjectNode().put("type", "point").put("point", i).put("seed", seed)
                    .put("reference_residual", ref.residual()).put("reference_products", ref.products())
                    .put("reference_norm", Vectors.norm2(ref.g())).put("true_term_ratio",
                            Vectors.norm2(ref.z()) / Vectors.norm2(val.meanAlphaGrad()));
            SearchPoint at = new SearchPoint(w, alpha, state.weightOptimizer().momentumBuffer(), lr);
            for (int v = 0; v < m; v++) {
                CountingOracle counting = new CountingOracle(oracle);
                long t0 = System.nanoTime();
                AlphaGradient g = variants.get(v).impl().estimate(counting, at);
                seconds.get(v).add((System.nanoTime() - t0) / 1e9);
                passes[v] = counting.passes();
                INDArray first = g.terms().containsKey("dalpha") ? g.terms().get("dalpha") : g.terms().get("g1");
                double c = Vectors.cosine(g.gradient(), ref.g());
                double e = Vectors.norm2(g.gradient().sub(ref.g())) / Vectors.norm2(ref.g());
                double sc = Vectors.cosine(first.sub(g.gradient()), ref.z());
                cos.get(v).add(c);
                rel.get(v).add(e);
                second.get(v).add(sc);
                point.set(label(variants.get(v)), JSON.createObjectNode().put("cos_to_reference", c).put("rel_error", e)
                        .put("second_term_cos", sc));
            }
            sink.accept(point);
            out.printf(java.util.Locale.ROOT, "point %d/%d: reference residual %.2e after %d products%n", i + 1,
                    o.points(), ref.residual(), ref.products());
        }
        List<ObjectNode> summary = new ArrayList<>();
        ObjectNode reference = JSON.createObjectNode().put("type", "reference").put("points", o.points())
                .put("damping", o.referenceDamping()).put("tolerance", o.referenceTolerance())
                .put("warm_steps", o.warmSteps());
        reference.set("residual", stats(residuals));
        reference.set("products", stats(referenceProducts));
        if (o.powerIterations() > 0) {
            reference.set("hessian_lambda_max", stats(lambdaMax));
            reference.set("hessian_lambda_min", stats(lambdaMin));
        }
        summary.add(reference);
        for (int v = 0; v < m; v++) {
            Variant var = variants.get(v);
            ObjectNode n = JSON.createObjectNode().put("type", "estimator").put("estimator", var.estimator());
            if (var.products() != null) {
                n.put("products", var.products());
            } else {
                n.putNull("products");
            }
            if (var.method() != null) {
                n.put("method", var.method()).put("K", var.k());
            }
            n.set("cos_to_reference", stats(cos.get(v)));
            n.set("rel_error", stats(rel.get(v)));
            n.set("second_term_cos", stats(second.get(v)));
            long acute = second.get(v).stream().filter(x -> x > 0).count();
            long defined = second.get(v).stream().filter(Double::isFinite).count();
            if (defined > 0) {
                n.put("second_term_within_90", (double) acute / defined);
            }
            n.put("passes", passes[v]).put("seconds", Quartiles.of(seconds.get(v)).median());
            summary.add(n);
        }
        for (ObjectNode n : summary) {
            sink.accept(n);
            out.println(n.toString());
        }
        return summary;
    }

    /** {@code label} of a variant in the per-point lines, e.g. {@code amended/exact}, {@code implicit/cg/K5}. */
    static String label(Variant v) {
        return v.estimator() + (v.products() == null ? "" : "/" + v.products())
                + (v.method() == null ? "" : "/" + v.method() + "/K" + v.k());
    }

    /** T weight steps at fixed α (the search loop's own weight step); returns the step index to measure at. */
    private static long warm(SearchSetup setup, GradientOracle oracle, SearchState state, int steps, double lr,
                             long first) {
        SearchLoop loop = setup.loop(oracle, null);
        for (int t = 0; t < steps; t++) {
            long step = first + t;
            oracle.beginStep((int) (step / setup.stepsPerEpoch), step % setup.stepsPerEpoch);
            loop.weightStep(state, lr, "fidelity warm-up step " + (t + 1) + " (lower optim.weights.lr or --warm-steps)");
        }
        return first + steps;
    }

    private static INDArray gaussian(long n, long seed, double scale) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] a = new double[(int) n];
        for (int i = 0; i < a.length; i++) {
            a[i] = scale * rng.nextGaussian();
        }
        return Nd4j.createFromArray(a);
    }

    private static ObjectNode stats(List<Double> xs) {
        Quartiles q = Quartiles.of(xs);
        ObjectNode n = JSON.createObjectNode();
        put(n, "median", q.median());
        put(n, "q1", q.q1());
        put(n, "q3", q.q3());
        return n.put("n", q.n());
    }

    private static void put(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) {
            n.put(key, v);
        } else {
            n.putNull(key);
        }
    }

    private static List<List<Double>> lists(int m) {
        List<List<Double>> out = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            out.add(new ArrayList<>());
        }
        return out;
    }
}
