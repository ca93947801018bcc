package ai.sparknas.driver.search;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.GenotypeFormat;
import ai.sparknas.driver.optim.Adam;
import ai.sparknas.driver.optim.SgdMomentum;
import ai.sparknas.driver.run.Checkpoint;
import ai.sparknas.driver.run.Checkpoints;
import ai.sparknas.driver.run.RunConflictException;
import ai.sparknas.driver.run.RunDirectory;
import ai.sparknas.driver.run.RunStatus;
import ai.sparknas.kernels.grad.GradientOracle;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@code search} command: run directory with the resolved config, resume from its newest good
 * checkpoint when it holds one, the loop with metrics, progress and checkpoints (every
 * {@code checkpoint.every-steps} steps and at each epoch end), a clean stop when the launch's budget
 * runs out, then {@code genotype.json} and {@code genotype.txt} (only after a finished search, each
 * written atomically).
 */
public final class SearchRun {

    private SearchRun() {
    }

    /** The search in this process over local data. */
    public static Genotype execute(SearchConfig cfg, boolean force, PrintStream progress) throws IOException {
        RunDirectory run = open(cfg, force, progress);
        SearchSetup.InProcess ip;
        try {
            ip = SearchSetup.load(cfg);
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
        try {
            MemoryEstimate m = MemoryEstimate.of(ip.setup(), cfg.search().batch(), ip.setup().layout.used(), 1);
            long heap = Runtime.getRuntime().maxMemory();
            progress.println(String.format(Locale.ROOT, "memory: about %.1f GB of this JVM's %.1f GB heap", m.total() / 1e9,
                    heap / 1e9));
            m.check(heap, "this search", "raise SPARKNAS_HEAP (deploy/bin/sparknas; the JVM's -Xmx)");
        } catch (RuntimeException e) {
            run.close();
            ip.setup().network.close();
            throw e;
        }
        try {
            return execute(run, ip.setup(), ip.oracle(), "in-process, " + cfg.compute().effectiveThreads() + " threads",
                    null, progress);
        } finally {
            ip.setup().network.close(); // its thread team and recycled arrays
        }
    }

    public static Genotype execute(SearchConfig cfg, PrintStream progress) throws IOException {
        return execute(cfg, false, progress);
    }

    /** Opens (or re-opens) the local run directory: done first, so a bad output fails before any work. */
    public static RunDirectory open(SearchConfig cfg, boolean force, PrintStream progress) throws IOException {
        RunDirectory run = RunDirectory.create(cfg, force);
        progress.println((run.resuming() ? "resuming run directory " : "run directory ") + run.describe(""));
        return run;
    }

    /**
     * Runs the loop over {@code oracle} into {@code run}; {@code where} describes the backend for the
     * banner, {@code stepDetails} (nullable) adds the backend's account of each step to the metrics.
     *
     * @throws SearchSuspendedException when the launch's budget ran out (a checkpoint was written)
     */
    public static Genotype execute(RunDirectory run, SearchSetup setup, GradientOracle oracle, String where,
                                   Supplier<Object> stepDetails, PrintStream progress) throws IOException {
        try (run) { // the run's lease is released when this launch ends, however it ends
            RunStatus status = new RunStatus(run.storage(), "search", run.id(), where);
            return status.track(() -> executeLeased(run, setup, oracle, where, stepDetails, progress, status));
        }
    }

    private static Genotype executeLeased(RunDirectory run, SearchSetup setup, GradientOracle oracle, String where,
                                   Supplier<Object> stepDetails, PrintStream progress, RunStatus status)
            throws IOException {
        SearchConfig cfg = setup.config;
        progress.println(String.format(Locale.ROOT,
                "search: %s estimator, %d cells, C %d, %d weights, %d+%d records, batch %d in %d partition(s), %d epochs x %d steps, %s",
                setup.estimator.name(), setup.space.layers(), setup.space.channels(),
                setup.network.weightLayout().size(), setup.layout.cut(), setup.layout.used() - setup.layout.cut(),
                cfg.search().batch(), setup.plan.partitions(), cfg.search().epochs(), setup.stepsPerEpoch, where));
        Checkpoints checkpoints = new Checkpoints(run.storage(), cfg.checkpointing().keep());
        Optional<Checkpoint> resume = run.resuming()
                ? checkpoints.loadNewest(m -> progress.println("WARNING: " + m)) : Optional.empty();
        SearchState state;
        SearchLoop.Position start;
        if (resume.isPresent()) {
            Checkpoint c = resume.get();
            if (!c.space().equals(setup.signature())) {
                throw new RunConflictException("the newest checkpoint of run " + run.id() + " belongs to another search"
                        + " space (" + c.space() + ") than the config's (" + setup.signature() + "): start a new run.id");
            }
            if (c.partitions() != setup.plan.partitions()) {
                throw new RunConflictException("run " + run.id() + " was computed with " + c.partitions()
                        + " data partition(s) and this launch has " + setup.plan.partitions() + ": the batches depend on"
                        + " it; " + RunDirectory.resumeAdvice("search", c.partitions(), cfg.search().batch(),
                        cfg.spark().minExamplesPerPartition()));
            }
            run.commitConfig();
            state = restore(setup, c);
            start = new SearchLoop.Position(c.epoch(), c.step(), c.globalStep(), c.epochSums());
            run.truncateLines("metrics.jsonl", c.metricsLines());
            progress.println("resuming after step " + c.globalStep() + " (epoch " + (c.epoch() + 1) + ", step "
                    + (c.step() + 1) + " next)");
        } else {
            if (run.resuming()) {
                refuseLostCheckpoints(run, cfg);
                progress.println("WARNING: run " + run.id() + " has no checkpoint yet: starting it from the first step");
            }
            run.commitConfig();
            state = setup.initialState();
            start = SearchLoop.Position.start();
            run.truncateLines("metrics.jsonl", 0);
        }
        Budget budget = new Budget(cfg);
        status.started(cfg.search().epochs(), setup.stepsPerEpoch, start.globalStep());
        Genotype genotype;
        try (MetricsLog log = new MetricsLog(run.storage().append("metrics.jsonl"),
                resume.map(Checkpoint::metricsLines).orElse(0L), progress, cfg.run().logEvery(),
                cfg.monitor().skipWarningThreshold())) {
            log.setStepDetails(stepDetails);
            log.setStatus(status);
            int every = cfg.checkpointing().everySteps();
            int epochs = cfg.search().epochs();
            genotype = setup.loop(oracle, log).run(state, start, (s, next, epochEnded) -> {
                boolean stop = budget.spent() && next.epoch() < epochs; // a finished search just finishes
                if (epochEnded || stop || (every > 0 && next.globalStep() % every == 0)) {
                    String path = checkpoints.write(checkpoint(setup, s, next, log.lines()));
                    if (stop) {
                        throw new SearchSuspendedException(budget.reason() + ": checkpoint " + path + " written after step "
                                + next.globalStep() + "; launch the same command again to continue the run");
                    }
                }
                return true;
            });
        }
        run.writeAtomically("genotype.txt", GenotypeFormat.toDartsText(genotype) + "\n");
        run.writeAtomically("genotype.json", GenotypeFormat.toJson(genotype) + "\n");
        progress.println("genotype: " + GenotypeFormat.toDartsText(genotype));
        progress.println("wrote " + run.describe("genotype.json") + ", genotype.txt, metrics.jsonl");
        return genotype;
    }

    /** The launch's budget: wall time since it started, steps it ran, and SIGTERM (see {@link StopRequest}). */
    public static final class Budget {
        private final long start = System.nanoTime();
        private final long maxNanos;
        private final int maxSteps;
        private int steps;

        /** The budget of {@code run.max-wall-time} and {@code run.max-steps}; installs the SIGTERM handler. */
        public Budget(SearchConfig cfg) {
            this(cfg.run().maxWallTime().toNanos(), cfg.run().maxSteps());
            StopRequest.install();
        }

        Budget(long maxNanos, int maxSteps) {
            this.maxNanos = maxNanos;
            this.maxSteps = maxSteps;
        }

        /** Counts a finished step; true when the launch must stop after it. */
        public boolean spent() {
            steps++;
            return (maxSteps > 0 && steps >= maxSteps) || (maxNanos > 0 && System.nanoTime() - start >= maxNanos)
                    || StopRequest.requested();
        }

        public String reason() {
            return maxSteps > 0 && steps >= maxSteps ? "run.max-steps = " + maxSteps + " reached"
                    : maxNanos > 0 && System.nanoTime() - start >= maxNanos ? "run.max-wall-time reached"
                    : "SIGTERM received";
        }
    }

    /**
     * A run without checkpoints may start over only if it never wrote one: once metrics.jsonl holds an
     * epoch line, or at least {@code checkpoint.every-steps} step lines, a checkpoint was written, so
     * its absence means it was deleted or lost, and starting over would overwrite the run's metrics.
     */
    public static void refuseLostCheckpoints(RunDirectory run, SearchConfig cfg) throws IOException {
        if (!run.storage().exists("metrics.jsonl")) {
            return;
        }
        long steps = 0;
        boolean epoch = false;
        for (String line : new String(run.storage().read("metrics.jsonl"), java.nio.charset.StandardCharsets.UTF_8)
                .split("\n")) {
            steps += line.startsWith("{\"type\":\"step\"") ? 1 : 0;
            epoch |= line.startsWith("{\"type\":\"epoch\"");
        }
        int every = cfg.checkpointing().everySteps();
        if (epoch || (every > 0 && steps >= every)) {
            throw new java.nio.file.NoSuchFileException(run.storage().describe("checkpoints"), null,
                    "run " + run.id() + " has no checkpoint, but its metrics.jsonl shows " + steps + " steps"
                    + (epoch ? " and a finished epoch" : "") + ", so checkpoints were written and have been deleted or"
                    + " lost; restore checkpoints/ from a backup to resume, or start a new run.id (or delete the run"
                    + " directory) to start again");
        }
    }

    static Checkpoint checkpoint(SearchSetup setup, SearchState s, SearchLoop.Position next, long metricsLines) {
        return new Checkpoint(setup.config.render(), setup.signature(), setup.plan.partitions(), next.epoch(), next.step(), next.globalStep(),
                metricsLines, next.epochSums(), s.weights().toDoubleVector(), s.alpha().toDoubleVector(),
                vector(s.weightOptimizer().momentumBuffer()), s.weightOptimizer().steps(), vector(s.alphaOptimizer().m()),
                vector(s.alphaOptimizer().v()), s.alphaOptimizer().t());
    }

    static SearchState restore(SearchSetup setup, Checkpoint c) {
        var wo = setup.config.weightsOptim();
        var ao = setup.config.alphaOptim();
        return new SearchState(Nd4j.createFromArray(c.weights()), Nd4j.createFromArray(c.alpha()),
                new SgdMomentum(wo.momentum(), wo.weightDecay(), wo.gradClip(), array(c.momentum()), c.sgdSteps()),
                new Adam(ao.lr(), ao.beta1(), ao.beta2(), ao.eps(), ao.weightDecay(), array(c.adamM()), array(c.adamV()),
                        c.adamT()));
    }

    private static double[] vector(INDArray a) {
        return a == null ? null : a.toDoubleVector();
    }

    private static INDArray array(double[] v) {
        return v == null ? null : Nd4j.createFromArray(v);
    }
}
