package ai.sparknas.driver.search;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.GenotypeFormat;
import ai.sparknas.kernels.grad.GradientOracle;
import java.io.IOException;
import java.io.PrintStream;

/**
 * The {@code search} command in one process: run directory with the resolved config, the loop with
 * metrics and progress, then {@code genotype.json} and {@code genotype.txt} (only after a finished
 * search, each written atomically).
 */
public final class SearchRun {

    private SearchRun() {
    }

    /** The search in this process over local data. */
    public static Genotype execute(SearchConfig cfg, PrintStream progress) throws IOException {
        RunDirectory run = open(cfg, progress);
        SearchSetup.InProcess ip = SearchSetup.load(cfg);
        return execute(run, ip.setup(), ip.oracle(), "in-process, " + cfg.compute().effectiveThreads() + " threads",
                null, progress);
    }

    /** Creates the run directory and writes the resolved config: done first, so a bad output fails before any work. */
    public static RunDirectory open(SearchConfig cfg, PrintStream progress) throws IOException {
        RunDirectory run = RunDirectory.create(cfg.run().output(), cfg.run().id());
        run.writeAtomically("config.conf", cfg.render() + "\n");
        progress.println("run directory " + run.path().toAbsolutePath());
        return run;
    }

    /**
     * Runs the loop over {@code oracle} into {@code run}; {@code where} describes the backend for the
     * banner, {@code stepDetails} (nullable) adds the backend's account of each step to the metrics.
     */
    public static Genotype execute(RunDirectory run, SearchSetup setup, GradientOracle oracle, String where,
                                   java.util.function.Supplier<Object> stepDetails, PrintStream progress)
            throws IOException {
        SearchConfig cfg = setup.config;
        progress.println(String.format(java.util.Locale.ROOT,
                "search: %s estimator, %d cells, C %d, %d weights, %d+%d records, batch %d in %d partition(s), %d epochs x %d steps, %s",
                setup.estimator.name(), setup.space.layers(), setup.space.channels(),
                setup.network.weightLayout().size(), setup.layout.cut(), setup.layout.used() - setup.layout.cut(),
                cfg.search().batch(), setup.plan.partitions(), cfg.search().epochs(), setup.stepsPerEpoch, where));
        Genotype genotype;
        try (MetricsLog log = new MetricsLog(run.resolve("metrics.jsonl"), progress, cfg.run().logEvery(),
                cfg.monitor().skipWarningThreshold())) {
            log.setStepDetails(stepDetails);
            genotype = setup.loop(oracle, log).run(setup.initialState());
        }
        run.writeAtomically("genotype.txt", GenotypeFormat.toDartsText(genotype) + "\n");
        run.writeAtomically("genotype.json", GenotypeFormat.toJson(genotype) + "\n");
        progress.println("genotype: " + GenotypeFormat.toDartsText(genotype));
        progress.println("wrote " + run.resolve("genotype.json") + ", genotype.txt, metrics.jsonl");
        return genotype;
    }
}
