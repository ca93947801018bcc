package ai.sparknas.driver.search;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.GenotypeFormat;
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

    public static Genotype execute(SearchConfig cfg, PrintStream progress) throws IOException {
        RunDirectory run = RunDirectory.create(cfg.run().output(), cfg.run().id());
        run.writeAtomically("config.conf", cfg.render() + "\n");
        progress.println("run directory " + run.path().toAbsolutePath());
        SearchSetup setup = SearchSetup.load(cfg);
        progress.println(String.format(java.util.Locale.ROOT,
                "search: %s estimator, %d cells, C %d, %d weights, %d+%d records, batch %d, %d epochs x %d steps, %d threads",
                setup.estimator.name(), setup.space.layers(), setup.space.channels(),
                setup.network.weightLayout().size(), setup.data.weightData().size(), setup.data.alphaData().size(),
                cfg.search().batch(), cfg.search().epochs(), setup.stepsPerEpoch, cfg.compute().effectiveThreads()));
        Genotype genotype;
        try (MetricsLog log = new MetricsLog(run.resolve("metrics.jsonl"), progress, cfg.run().logEvery(),
                cfg.monitor().skipWarningThreshold())) {
            genotype = setup.loop(log).run(setup.initialState());
        }
        run.writeAtomically("genotype.txt", GenotypeFormat.toDartsText(genotype) + "\n");
        run.writeAtomically("genotype.json", GenotypeFormat.toJson(genotype) + "\n");
        progress.println("genotype: " + GenotypeFormat.toDartsText(genotype));
        progress.println("wrote " + run.resolve("genotype.json") + ", genotype.txt, metrics.jsonl");
        return genotype;
    }
}
