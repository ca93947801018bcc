package ai.sparknas.spark;

import ai.sparknas.driver.cli.Main;
import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.search.RunDirectory;
import ai.sparknas.driver.search.SearchRun;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The Spark entry point ({@code spark-submit --class ai.sparknas.spark.SparkMain}): {@code search}
 * runs the search with data-parallel rounds on the cluster of {@code spark.master} (local[*] when
 * started without one). Same config, outputs and exit codes as the in-process CLI.
 */
@Command(name = "sparknas-spark", mixinStandardHelpOptions = true, version = "sparknas 0.1.0",
        description = "Amended-DARTS architecture search on Spark.",
        subcommands = {SparkMain.Search.class})
public final class SparkMain {

    @Command(name = "search", mixinStandardHelpOptions = true,
            description = "Run a search with data-parallel rounds on Spark and write genotype, config and metrics.")
    static final class Search implements Callable<Integer> {
        @CommandLine.Mixin
        Main.ConfigOptions options = new Main.ConfigOptions();

        @Override
        public Integer call() throws IOException {
            SearchConfig cfg = options.load();
            SparkConf conf = SparkConfDefaults.apply(new SparkConf());
            checkMasterReachable(conf.get("spark.master"));
            RunDirectory run = SearchRun.open(cfg, System.out);
            try (JavaSparkContext sc = new JavaSparkContext(conf);
                 SparkOracle oracle = SparkOracle.create(sc, cfg)) {
                SearchRun.execute(run, oracle.setup(), oracle, "Spark " + sc.master() + ", "
                        + sc.defaultParallelism() + " cores", oracle::drainRoundRecords, System.out);
            }
            return 0;
        }
    }

    private SparkMain() {
    }

    /** A standalone master that does not answer fails in seconds, not after Spark's minute of retries. */
    static void checkMasterReachable(String master) {
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
        System.exit(Main.run(new SparkMain(), args));
    }
}
