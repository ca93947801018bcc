package ai.sparknas.driver.cli;

import ai.sparknas.driver.bench.Bench;
import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.search.SearchRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sparknas search|retrain|bench|fidelity [-c FILE] [key=value ...]}, {@code sparknas report RUN_DIR}. Exit codes: 0 success, 1 unexpected
 * failure (with a stack trace), 2 bad usage or config (every config error is a {@link ConfigException}
 * naming its key, or a run id whose stored config differs), 3 unreadable or corrupt data / output / checkpoints,
 * 4 the search diverged (NaN/Inf), 5 another launch of the run is running (its lease is live), 75 the launch's
 * budget ran out after writing a checkpoint.
 */
@Command(name = "sparknas", mixinStandardHelpOptions = true, version = "sparknas 0.1.0",
        description = "Amended-DARTS architecture search.",
        subcommands = {Main.Search.class, Main.Retrain.class, Main.BenchCommand.class, Main.ReportCommand.class,
                Main.Fidelity.class})
public final class Main {

    public static final int EXIT_CONFIG = ai.sparknas.driver.run.ExitCodes.CONFIG;
    public static final int EXIT_DATA = ai.sparknas.driver.run.ExitCodes.DATA;
    public static final int EXIT_DIVERGED = ai.sparknas.driver.run.ExitCodes.DIVERGED;
    /** Another launch of the same run holds its lease (run/RunLease): this one wrote nothing. */
    public static final int EXIT_BUSY = ai.sparknas.driver.run.ExitCodes.BUSY;
    /** The launch's time or step budget ran out after a checkpoint: launch again to continue (EX_TEMPFAIL). */
    public static final int EXIT_SUSPENDED = ai.sparknas.driver.run.ExitCodes.SUSPENDED;

    /** Options shared by the commands (and by the spark-job commands). */
    public static class ConfigOptions {
        @Option(names = {"-c", "--config"}, description = "HOCON config file (default: built-in defaults)")
        public Path config;

        @Parameters(paramLabel = "key=value", description = "config overrides relative to sparknas., "
                + "e.g. search.estimator=first-order data.limit=512")
        public List<String> overrides = new ArrayList<>();

        @Option(names = "--force", description = "resume a run even though its stored config differs from this one")
        public boolean force;

        public SearchConfig load() {
            return SearchConfig.load(config, overrides);
        }
    }

    @Command(name = "search", mixinStandardHelpOptions = true,
            description = "Run a search in this process and write the genotype, config and metrics;"
                    + " launching an existing run.id resumes it from its newest good checkpoint.")
    static final class Search implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @Override
        public Integer call() throws IOException {
            SearchRun.execute(options.load(), options.force, System.out);
            return 0;
        }
    }

    @Command(name = "retrain", mixinStandardHelpOptions = true,
            description = "Train a genotype's evaluation network from scratch in this process, evaluate it on the held-out"
                    + " test files and write result.json and model/weights.safetensors; launching an existing run.id"
                    + " resumes it.")
    static final class Retrain implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @CommandLine.Mixin
        RetrainOptions retrain = new RetrainOptions();

        @Override
        public Integer call() throws IOException {
            ai.sparknas.driver.retrain.RetrainRun.execute(retrain.apply(options.load()), options.force, System.out);
            return 0;
        }
    }

    /** Where a re-training's genotype comes from (shared with the Spark job's {@code retrain}). */
    public static class RetrainOptions {
        @Option(names = "--from", paramLabel = "RUN_DIR", description = "a finished search run directory: its"
                + " genotype.json, and its depth and width unless retrain.layers / retrain.channels are set")
        public Path from;

        @Option(names = "--genotype", paramLabel = "TEXT|NAME|FILE", description = "DARTS genotype text, a published"
                + " name (DARTS_V1, DARTS_V2) or a genotype.txt/.json file (the same as retrain.genotype=...)")
        public String genotype;

        /** The config with {@code retrain.genotype} (and {@code retrain.from}) set from the options. */
        public SearchConfig apply(SearchConfig cfg) throws IOException {
            if (from != null && genotype != null) {
                throw new ConfigException(null, "give either --from RUN_DIR or --genotype, not both");
            }
            List<String> set = new ArrayList<>();
            if (from != null) {
                var g = ai.sparknas.driver.retrain.CellGenotypes.fromRun(from);
                set.add("retrain.genotype=" + g.text());
                set.add("retrain.from=" + from.toAbsolutePath().normalize());
            } else if (genotype != null) {
                set.add("retrain.genotype=" + genotype);
            }
            return set.isEmpty() ? cfg : cfg.withOverrides(set);
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Time search steps of each estimator (one JSON line per estimator), or with --retrain"
                    + " re-training steps.")
    static final class BenchCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @CommandLine.Mixin
        BenchOptions bench = new BenchOptions();

        @CommandLine.Mixin
        RetrainOptions retrain = new RetrainOptions();

        @Override
        public Integer call() throws IOException {
            bench.validate();
            if (bench.retrain) {
                ai.sparknas.driver.bench.RetrainBench.run(retrain.apply(options.load()), bench.warmup, bench.steps,
                        bench.synthetic, ai.sparknas.driver.bench.RetrainBench.inProcess(), System.out);
            } else if (bench.passes) {
                Bench.passes(options.load(), bench.warmup, bench.steps, System.out);
            } else {
                Bench.run(options.load(), bench.estimators, bench.warmup, bench.steps, bench.interleave, System.out);
            }
            return 0;
        }
    }

    @Command(name = "fidelity", mixinStandardHelpOptions = true,
            description = "How close each α-gradient estimator comes to the implicit-function hypergradient, solved on"
                    + " the exact Hessian (float64): one JSON line per estimator with median and quartiles over the points.")
    static final class Fidelity implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @CommandLine.Mixin
        ai.sparknas.driver.fidelity.FidelityCommand fidelity = new ai.sparknas.driver.fidelity.FidelityCommand();

        @Override
        public Integer call() throws IOException {
            SearchConfig cfg = fidelity.config(options.config, options.overrides);
            fidelity.execute(cfg, Bench.inProcess(ai.sparknas.driver.data.SearchData.load(cfg.data())), System.out);
            return 0;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Turn a run directory into report.html and cells/*.svg: a search's charts, α heat-maps, cell"
                    + " drawings and the re-trainings made from it, or a re-training's curves and result.")
    static final class ReportCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN_DIR", description = "the run directory <run.output>/<run.id>")
        Path runDir;

        @Option(names = "--epochs", split = ",", description = "epochs (1-based) of the α heat-maps (default: first, middle, last)")
        List<Integer> epochs = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            if (!java.nio.file.Files.isDirectory(runDir)) {
                throw new java.nio.file.NoSuchFileException(runDir.toString(), null,
                        "no such run directory: give <run.output>/<run.id> of a search");
            }
            try {
                String path = ai.sparknas.driver.report.ReportWriter.write(
                        new ai.sparknas.driver.run.LocalRunStorage(runDir), String.valueOf(runDir.getFileName()), epochs,
                        ai.sparknas.driver.report.RetrainReport.madeFrom(runDir));
                System.out.println("wrote " + path + " and cells/normal.svg, cells/reduce.svg");
            } catch (IllegalArgumentException e) {
                throw new ConfigException(null, e.getMessage(), e);
            }
            return 0;
        }
    }

    /** Options of the bench commands (in-process and Spark). */
    public static class BenchOptions {
        @Option(names = "--estimators", split = ",", description = "estimators to time (default: all)")
        public List<String> estimators = new ArrayList<>(SearchConfig.ESTIMATORS);

        @Option(names = "--warmup", description = "untimed steps (default: ${DEFAULT-VALUE})")
        public int warmup = 1;

        @Option(names = "--steps", description = "timed steps (default: ${DEFAULT-VALUE})")
        public int steps = 5;

        @Option(names = "--interleave", description = "step the estimators in turns, all alive at once, and report"
                + " each one's median step-time ratio to the first (for comparisons on a noisy machine)")
        public boolean interleave;

        @Option(names = "--passes", description = "instead of steps, time each kind of pass (forward only, with the"
                + " ∇α, ∇ω or both backward) in turns, and the step times they predict (in-process bench only)")
        public boolean passes;

        @Option(names = "--retrain", description = "time re-training steps of retrain.genotype (or --from/--genotype;"
                + " default DARTS_V2) at the retrain.* config instead of search steps")
        public boolean retrain;

        @Option(names = "--synthetic", paramLabel = "N", description = "with --retrain: train on N random CIFAR-10"
                + " records (32x32x3, DARTS' evaluation shape) instead of the configured data")
        public int synthetic;

        public void validate() {
            if (steps < 1 || warmup < 0) {
                throw new ConfigException(null, "--steps must be >= 1 and --warmup >= 0");
            }
            if (synthetic < 0 || (synthetic > 0 && !retrain)) {
                throw new ConfigException(null, "--synthetic N needs --retrain and N >= 1");
            }
        }
    }

    private Main() {
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String... args) {
        return run(new Main(), args);
    }

    /** Runs a picocli {@code command} with this CLI's error handling and exit codes. */
    public static int run(Object command, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            ai.sparknas.driver.run.ExitCodes.Outcome o = ai.sparknas.driver.run.ExitCodes.of(ex);
            int code = o.code();
            String kind = o.kind();
            cmd.getErr().println("sparknas: " + kind + ": " + ex.getMessage());
            if (code == 1) {
                ex.printStackTrace(cmd.getErr());
            }
            return code;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }
}
