package ai.sparknas.spark;

import ai.sparknas.driver.bench.Bench;
import ai.sparknas.driver.cli.Main;
import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.retrain.CellGenotypes;
import ai.sparknas.driver.retrain.Provenance;
import ai.sparknas.driver.retrain.RetrainRun;
import ai.sparknas.driver.retrain.RetrainSetup;
import java.util.HashMap;
import ai.sparknas.driver.run.RunDirectory;
import ai.sparknas.driver.search.SearchRun;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Spark entry point ({@code spark-submit --class ai.sparknas.spark.SparkMain}): {@code search}
 * runs the search with data-parallel rounds on the cluster of {@code spark.master} (local[*] when
 * started without one). Same config, outputs and exit codes as the in-process CLI.
 */
@Command(name = "sparknas-spark", mixinStandardHelpOptions = true, version = "sparknas 0.1.0",
        description = "Amended-DARTS architecture search on Spark.",
        subcommands = {SparkMain.Search.class, SparkMain.Retrain.class, SparkMain.BenchCommand.class,
            SparkMain.SerdeCommand.class, SparkMain.Fidelity.class})
public final class SparkMain {

    @Command(name = "search", mixinStandardHelpOptions = true,
            description = "Run a search with data-parallel rounds on Spark and write genotype, config and metrics.")
    static final class Search implements Callable<Integer> {
        @CommandLine.Mixin
        Main.ConfigOptions options = new Main.ConfigOptions();

        @Override
        public Integer call() throws IOException {
            SearchConfig cfg = options.load();
            try (JavaSparkContext sc = startSpark()) {
                RunDirectory run = openRun(sc, cfg, options.force);
                try (SparkOracle oracle = SparkOracle.create(sc, cfg)) {
                    SearchRun.execute(run, oracle.setup(), oracle, "Spark " + sc.master() + ", "
                            + sc.defaultParallelism() + " cores", oracle::drainRoundRecords, System.out);
                }
            }
            return 0;
        }
    }

    @Command(name = "retrain", mixinStandardHelpOptions = true,
            description = "Train a genotype's network from scratch with one data-parallel round per step on Spark,"
                    + " evaluate it on the test files and export it; launching an existing run.id resumes it.")
    static final class Retrain implements Callable<Integer> {
        @CommandLine.Mixin
        Main.ConfigOptions options = new Main.ConfigOptions();

        @CommandLine.Mixin
        Main.RetrainOptions retrain = new Main.RetrainOptions();

        @Override
        public Integer call() throws IOException {
            SearchConfig cfg = retrain.apply(options.load());
            CellGenotypes genotype = CellGenotypes.resolve(cfg.retrain().genotype());
            SearchConfig source = RetrainRun.sourceConfig(cfg);
            try (JavaSparkContext sc = startSpark();
                 SparkRetrainOracle oracle = SparkRetrainOracle.create(sc, cfg, genotype,
                         RetrainSetup.layers(cfg, source), RetrainSetup.channels(cfg, source))) {
                execute(sc, cfg, options.force, oracle, System.out);
            }
            return 0;
        }

        /** The re-training into its run directory on the Hadoop file system of {@code run.output}. */
        static com.fasterxml.jackson.databind.node.ObjectNode execute(JavaSparkContext sc, SearchConfig cfg, boolean force,
                SparkRetrainOracle oracle, java.io.PrintStream progress) throws IOException {
            RunDirectory run = openRun(sc, cfg, force, RunDirectory.Kind.RETRAIN);
            HashMap<String, String> hadoop = CachedShards.hadoopSettings(sc);
            return RetrainRun.execute(run, oracle.setup(), oracle, "Spark " + sc.master() + ", "
                    + oracle.setup().plan.partitions() + " partitions", Provenance.dataFiles(cfg,
                    HadoopDataFiles.fromSparkSettings(hadoop)), oracle.testRecords(), progress);
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Time search steps of each estimator on Spark (median step, kernel and Spark overhead).")
    static final class BenchCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Main.ConfigOptions options = new Main.ConfigOptions();

        @CommandLine.Mixin
        Main.BenchOptions bench = new Main.BenchOptions();

        @CommandLine.Mixin
        Main.RetrainOptions retrain = new Main.RetrainOptions();

        @Override
        public Integer call() throws IOException {
            bench.validate();
            if (bench.retrain) {
                try (JavaSparkContext sc = startSpark()) {
                    ai.sparknas.driver.bench.RetrainBench.run(retrain.apply(options.load()), bench.warmup, bench.steps,
                            bench.synthetic, (c, g, layers, channels) -> {
                                SparkRetrainOracle o = SparkRetrainOracle.create(sc, c, g, layers, channels);
                                return new ai.sparknas.driver.bench.RetrainBench.Instance(o.setup(), o, "spark "
                                        + sc.master() + ", " + o.setup().plan.partitions() + " partitions", () -> { });
                            }, System.out);
                }
                return 0;
            }
            if (bench.passes) {
                throw new ConfigException(null, "--passes times passes in one process: use deploy/bin/sparknas bench --passes");
            }
            SearchConfig cfg = options.load();
            try (JavaSparkContext sc = startSpark()) {
                Bench.run(cfg, bench.estimators, bench.warmup, bench.steps, bench.interleave, System.out, c -> {
                    SparkOracle oracle = SparkOracle.create(sc, c);
                    return new Bench.Instance(oracle.setup(), oracle, "spark " + sc.master() + ", "
                            + oracle.setup().plan.partitions() + " partitions",
                            () -> oracle.drainRoundRecords().stream()
                                    .mapToDouble(r -> (double) r.get("overhead_s")).sum(), oracle);
                });
            }
            return 0;
        }
    }

    @Command(name = "fidelity", mixinStandardHelpOptions = true,
            description = "The estimators against the implicit-function hypergradient (exact products), on Spark rounds.")
    static final class Fidelity implements Callable<Integer> {
        @CommandLine.Mixin
        Main.ConfigOptions options = new Main.ConfigOptions();

        @CommandLine.Mixin
        ai.sparknas.driver.fidelity.FidelityCommand fidelity = new ai.sparknas.driver.fidelity.FidelityCommand();

        @Override
        public Integer call() throws IOException {
            SearchConfig cfg = fidelity.config(options.config, options.overrides);
            try (JavaSparkContext sc = startSpark()) {
                fidelity.execute(cfg, c -> {
                    SparkOracle oracle = SparkOracle.create(sc, c);
                    return new Bench.Instance(oracle.setup(), oracle, "spark " + sc.master(), () -> 0, oracle);
                }, System.out);
            }
            return 0;
        }
    }

    @Command(name = "bench-serde", mixinStandardHelpOptions = true,
            description = "Kryo cost of what rounds ship: INDArray (Nd4jRegistrator) vs double[] vs float[].")
    static final class SerdeCommand implements Callable<Integer> {
        @Option(names = "--sizes", split = ",", description = "vector lengths (default: ${DEFAULT-VALUE})")
        List<Integer> sizes = new ArrayList<>(List.of(393_778, 1_930_000, 16_000_000));

        @Option(names = "--reps", description = "timed repetitions (default: ${DEFAULT-VALUE})")
        int reps = 9;

        @Override
        public Integer call() throws Exception {
            SerializerBench.run(sizes, reps, System.out);
            return 0;
        }
    }

    private SparkMain() {
    }

    /** The context with the job's Spark defaults, after checking that a standalone master answers. */
    static JavaSparkContext startSpark() {
        SparkConf conf = SparkConfDefaults.apply(new SparkConf());
        checkMasterReachable(conf.get("spark.master"));
        return new JavaSparkContext(conf);
    }

    /** The run directory on the Hadoop file system of {@code run.output}, opened before any data is read. */
    static RunDirectory openRun(JavaSparkContext sc, SearchConfig cfg, boolean force) throws IOException {
        return openRun(sc, cfg, force, RunDirectory.Kind.SEARCH);
    }

    /** The run directory of {@code kind} on the Hadoop file system of {@code run.output}. */
    static RunDirectory openRun(JavaSparkContext sc, SearchConfig cfg, boolean force, RunDirectory.Kind kind)
            throws IOException {
        String id = RunDirectory.id(cfg, kind);
        HadoopRunStorage storage;
        try {
            storage = new HadoopRunStorage(new org.apache.hadoop.fs.Path(cfg.run().output(), id), sc.hadoopConfiguration());
        } catch (IOException e) {
            throw new IOException("cannot create the run directory " + cfg.run().output() + "/" + id + " (" + e
                    + "): set run.output to a writable directory or URI", e);
        }
        RunDirectory run = RunDirectory.open(storage, id, cfg, force, kind);
        System.out.println((run.resuming() ? "resuming run directory " : "run directory ") + run.describe(""));
        return run;
    }

    /** The master URLs Spark accepts (SparkContext.createTaskScheduler, SparkSubmit). */
    private static final java.util.regex.Pattern MASTER = java.util.regex.Pattern.compile(
            "local|local\\[(\\d+|\\*)(,\\d+)?]|local-cluster\\[\\d+, *\\d+, *\\d+]|yarn"
                    + "|spark://[^,/\\s]+:\\d+(,[^,/\\s]+:\\d+)*|k8s://\\S+|mesos://\\S+");

    /**
     * A malformed master fails as a config error naming it, instead of Spark's exception; a standalone
     * master that does not answer fails in seconds, not after Spark's minute of retries.
     */
    static void checkMasterReachable(String master) {
        if (!MASTER.matcher(master).matches()) {
            throw new ConfigException("spark.master", "spark.master = \"" + master + "\" is not a master URL Spark"
                    + " accepts: local, local[N], local[*], local[N,F], local-cluster[N,C,M], spark://HOST:PORT[,HOST:PORT],"
                    + " yarn, k8s://..., mesos://... (set it with spark-submit --master or SPARKNAS_MASTER)");
        }
        if (!master.startsWith("spark://")) {
            return;
        }
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            URI uri = URI.create("spark://" + hostPort);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 7077 : uri.getPort()), 5000);
                return;
            } catch (IOException | IllegalArgumentException e) {
                // try the next master of an HA list
            }
        }
        throw new ConfigException("spark.master", "spark.master = " + master + " cannot be reached (no answer within 5 s):"
                + " check the host and port of the standalone master (spark-submit --master), or that it is running");
    }

    public static void main(String[] args) {
        int code = Main.run(new SparkMain(), args);
        if (code != 0) {
            System.err.println("sparknas: exit code " + code); // what a Livy client reads from the batch log
            System.exit(code);
        }
        // success returns normally: YARN's ApplicationMaster reports an early System.exit as a failure
    }
}
