package ai.sparknas.driver.bench;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.SearchData;
import ai.sparknas.driver.search.MemoryEstimate;
import ai.sparknas.driver.search.SearchLoop;
import ai.sparknas.driver.search.SearchSetup;
import ai.sparknas.driver.search.SearchState;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.Blas1;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Times full search steps (α step + weight step) of each estimator on one config: median of
 * {@code steps} timed steps after {@code warmup} untimed ones, on the configured data. FLOPs follow
 * the PyTorch anchor's convention (convolutions + classifier, forward = F, α-only backward = F,
 * backward with ∇ω = 2F), so effective GFLOP/s compare one to one with
 * {@code shared/anchors/torch_darts_step.py}.
 */
public final class Bench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Bench() {
    }

    /** Where the timed steps run: in this process, or on Spark (spark-job). */
    @FunctionalInterface
    public interface Backend {
        /** A setup and an oracle for {@code cfg}; {@code resources} are closed after timing. */
        Instance open(SearchConfig cfg) throws IOException;
    }

    /**
     * @param description  the backend in words, e.g. "in-process, 2 threads"
     * @param overheadSeconds seconds of the last step not spent in kernels (0 in-process), or null
     */
    public record Instance(SearchSetup setup, GradientOracle oracle, String description,
                           DoubleSupplier overheadSeconds, AutoCloseable resources) {
    }

    /** Times the estimators in this process on the configured local data. */
    public static void run(SearchConfig base, List<String> estimators, int warmup, int steps, boolean interleave,
                           PrintStream out) throws IOException {
        run(base, estimators, warmup, steps, interleave, out, inProcess(SearchData.load(base.data())));
    }

    /** The in-process backend over {@code data}, already in memory: one shard, the config's threads. */
    public static Backend inProcess(SearchData data) {
        return cfg -> {
            SearchSetup.InProcess ip = SearchSetup.inProcess(cfg, data, 1);
            return new Instance(ip.setup(), ip.oracle(), "in-process, " + cfg.compute().effectiveThreads() + " threads",
                    () -> 0, ip.setup().network);
        };
    }

    /**
     * Times the estimators on {@code backend}; one JSON line per estimator. One after the other, or with
     * {@code interleave} in turns (one step of each per round, all networks alive at once), so that a
     * noisy machine's slow spells hit every estimator alike; each line then also carries the median
     * over rounds of its step time divided by the first estimator's step time in the same round.
     */
    public static void run(SearchConfig base, List<String> estimators, int warmup, int steps, boolean interleave,
                           PrintStream out, Backend backend) throws IOException {
        // one after the other: groups of one; in turns: one group of all
        List<List<String>> groups = interleave ? List.of(estimators) : estimators.stream().map(List::of).toList();
        for (List<String> group : groups) {
            List<Timer> timers = new ArrayList<>();
            try {
                for (String name : group) {
                    timers.add(new Timer(base, name, backend));
                }
                for (int i = 0; i < warmup + steps; i++) {
                    for (Timer timer : timers) {
                        timer.step(i, warmup);
                    }
                }
                List<Double> first = timers.get(0).times;
                for (Timer timer : timers) {
                    List<Double> ratios = new ArrayList<>();
                    for (int i = 0; i < steps; i++) {
                        ratios.add(timer.times.get(i) / first.get(i));
                    }
                    timer.print(warmup, steps, interleave ? median(ratios) : null, out);
                }
            } finally {
                for (Timer timer : timers) {
                    timer.close();
                }
            }
        }
    }

    /** One estimator's search state, loop and step times. */
    private static final class Timer {
        final String name;
        final SearchConfig cfg;
        final Instance instance;
        final SearchSetup setup;
        final CountingOracle oracle;
        final SearchState state;
        final SearchLoop loop;
        final double lr;
        final List<Double> times = new ArrayList<>();
        final List<Double> overheads = new ArrayList<>();
        long passes0;
        long units0;

        Timer(SearchConfig base, String name, Backend backend) throws IOException {
            this.name = name;
            cfg = base.withOverrides(List.of("search.estimator=" + name));
            instance = backend.open(cfg);
            setup = instance.setup();
            oracle = new CountingOracle(instance.oracle());
            state = setup.initialState();
            loop = setup.loop(oracle, null); // only step() is used: no listener needed
            lr = setup.schedule.at(0);
        }

        void step(int i, int warmup) {
            if (i == warmup) {
                passes0 = oracle.passes;
                units0 = oracle.forwardUnits;
            }
            long t0 = System.nanoTime();
            loop.step(state, 0, i % setup.stepsPerEpoch, lr);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double overhead = instance.overheadSeconds().getAsDouble();
            if (i >= warmup) {
                times.add(seconds);
                overheads.add(overhead);
            }
        }

        void print(int warmup, int steps, Double ratioToFirst, PrintStream out) throws IOException {
            double median = median(times);
            double passesPerStep = (double) (oracle.passes - passes0) / steps;
            int batch = cfg.search().batch();
            double fwdFlopImage = 2.0 * setup.network.forwardMacsPerImage();
            double unitsPerStep = (double) (oracle.forwardUnits - units0) / steps;
            double stepFlop = unitsPerStep * fwdFlopImage * batch;
            ObjectNode n = JSON.createObjectNode().put("estimator", name).put("backend", instance.description())
                    .put("products", cfg.estimator().products())
                    .put("layers", cfg.search().layers())
                    .put("channels", cfg.search().channels()).put("batch", batch)
                    .put("image", setup.space.height() + "x" + setup.space.width() + "x" + setup.space.inChannels())
                    .put("threads", cfg.compute().effectiveThreads()).put("warmup", warmup).put("steps", steps)
                    .put("median_step_s", round(median)).put("min_step_s", round(times.stream().min(Double::compare).orElseThrow()))
                    .put("max_step_s", round(times.stream().max(Double::compare).orElseThrow()))
                    .put("median_overhead_s", round(median(overheads)))
                    .put("overhead_fraction", round(median(overheads) / median))
                    .put("passes_per_step", passesPerStep).put("per_pass_s", round(median / passesPerStep))
                    .put("images_per_s", round(batch / median))
                    .put("forward_gflop_per_image", round(fwdFlopImage / 1e9))
                    .put("nominal_step_gflop", round(stepFlop / 1e9)).put("effective_gflops", round(stepFlop / median / 1e9))
                    .put("weight_params", setup.network.weightLayout().size()).put("peak_rss_mb", peakRssMb())
                    .put("kernels", "hand-written Java, " + cfg.compute().precision() + (Blas1.VECTORISED
                            ? ", Vector API" : ", scalar loops (the JVM lacks " + Blas1.JVM_OPTION + ")"));
            if (ratioToFirst != null) {
                n.put("interleaved", true).put("median_step_ratio_to_first", round(ratioToFirst));
            }
            n.set("step_times_s", JSON.valueToTree(times.stream().map(Bench::round).toList()));
            out.println(JSON.writeValueAsString(n));
        }

        void close() throws IOException {
            try {
                instance.resources().close();
            } catch (Exception e) {
                throw new IOException("cannot release the bench backend: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Times each kind of pass on one batch in this process, the kinds in turns (so all see the same
     * load): forward only, forward + ∇α backward, forward + ∇ω backward, forward + both, and the exact
     * product passes (R-operator) for H·d, ∇²αω·d and both. One JSON line per kind, then one with the
     * step times the passes predict: amended with finite differences runs 1 both + 3 ∇ω + 2 ∇α passes
     * per step, with exact products 1 both + 1 H·d + 1 ∇²αω·d + 1 ∇ω, first-order 1 ∇ω + 1 ∇α; so
     * amended / first-order = 3 + (both − ∇α) / (∇ω + ∇α) before per-step costs outside the passes.
     */
    public static void passes(SearchConfig cfg, int warmup, int steps, PrintStream out) throws IOException {
        SearchData data = SearchData.load(cfg.data());
        SearchSetup.InProcess ip = SearchSetup.inProcess(cfg, data, 1);
        try (var network = ip.setup().network) {
            SearchState state = ip.setup().initialState();
            var direction = network.initialWeights(cfg.run().seed() + 1);
            ip.oracle().beginStep(0, 0);
            // kinds 0-3: gradient passes by Wanted; 4-6: product passes wanting weights, α, both
            Wanted[] wanted = {Wanted.NONE, Wanted.ALPHA, Wanted.WEIGHTS, Wanted.BOTH, Wanted.WEIGHTS, Wanted.ALPHA,
                Wanted.BOTH};
            String[] names = {"none", "alpha", "weights", "both", "product_weights", "product_alpha", "product_both"};
            String[] what = {"none", "∂x and ∇α", "∂x and ∇ω", "∂x, ∇ω and ∇α", "R-pass: Σ H·d", "R-pass: Σ ∇²αω·d",
                "R-pass: Σ H·d and Σ ∇²αω·d"};
            List<List<Double>> times = new ArrayList<>();
            for (int k = 0; k < names.length; k++) {
                times.add(new ArrayList<>());
            }
            for (int i = 0; i < warmup + steps; i++) {
                for (int k = 0; k < names.length; k++) {
                    long t0 = System.nanoTime();
                    if (k < 4) {
                        ip.oracle().gradients(state.weights(), state.alpha(), Split.TRAIN, wanted[k]);
                    } else {
                        ip.oracle().products(state.weights(), direction, state.alpha(), Split.TRAIN, wanted[k]);
                    }
                    if (i >= warmup) {
                        times.get(k).add((System.nanoTime() - t0) / 1e9);
                    }
                }
            }
            double[] med = new double[names.length];
            for (int k = 0; k < names.length; k++) {
                med[k] = median(times.get(k));
                // what the pass holds at its peak: a fresh kernel's pool after this pass alone on the batch's shape
                long held = MemoryEstimate.pooledAfter(ip.setup(), cfg.search().batch(), k < 4 ? wanted[k] : null,
                        k < 4 ? null : wanted[k]) * network.elementBytes();
                ObjectNode n = JSON.createObjectNode().put("pass", names[k]).put("backward", what[k])
                        .put("batch", cfg.search().batch()).put("threads", cfg.compute().effectiveThreads())
                        .put("recompute", cfg.compute().recompute().key())
                        .put("median_s", round(med[k])).put("held_mb", round(held / 1e6));
                n.set("times_s", JSON.valueToTree(times.get(k).stream().map(Bench::round).toList()));
                out.println(JSON.writeValueAsString(n));
            }
            double alpha = med[1];
            double weights = med[2];
            double both = med[3];
            double first = alpha + weights;
            double amended = both + 3 * weights + 2 * alpha;
            double amendedExact = both + med[4] + med[5] + weights;
            out.println(JSON.writeValueAsString(JSON.createObjectNode()
                    .put("predicted_first_order_step_s", round(first))
                    .put("predicted_amended_step_s", round(amended))
                    .put("predicted_amended_over_first_order", round(amended / first))
                    .put("weight_gradient_share_of_first_order", round((both - alpha) / first))
                    .put("product_weights_over_weights_pass", round(med[4] / weights))
                    .put("product_alpha_over_alpha_pass", round(med[5] / alpha))
                    .put("product_both_over_both_pass", round(med[6] / both))
                    .put("predicted_amended_exact_step_s", round(amendedExact))
                    .put("amended_exact_over_finite_difference", round(amendedExact / amended))));
        }
    }

    /** The median (the mean of the middle two for an even count). */
    public static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static double round(double v) {
        return Math.round(v * 1e5) / 1e5;
    }

    /** Peak resident set (VmHWM) of this JVM in MB, or -1 where /proc is unavailable. */
    public static double peakRssMb() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                    .map(l -> Arrays.stream(l.split("\\s+")).filter(t -> t.matches("\\d+")).findFirst().orElse("-1024"))
                    .mapToDouble(kb -> Double.parseDouble(kb) / 1024).findFirst().orElse(-1);
        } catch (IOException e) {
            return -1;
        }
    }
}
