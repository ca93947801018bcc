package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/bin/sparknas-submit as the README uses it: with and without an installed Spark. */
class SparkSubmitIT {

    static final String LAUNCHER = "deploy/bin/sparknas-submit";

    @TempDir
    Path dir;

    /** The default config, cut to one short step so the test stays quick. */
    private List<String> defaultSearch(String id) {
        return List.of(LAUNCHER, "search", "-c", "conf/search-fashion-mnist.conf", "search.epochs=1",
                "search.steps-per-epoch=1", "data.limit=128", "run.output=" + dir.resolve("runs"), "run.id=" + id);
    }

    @Test
    void withoutSparkHomeItRunsOnTheAssembledLocalRuntime() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", null);
        env.put("SPARKNAS_MASTER", "local[2]");
        Launch.Result r = Launch.run(defaultSearch("plain"), env, dir.resolve("plain.log"), 600);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Spark local[2]"), r.output());
        assertTrue(Files.readString(dir.resolve("runs/plain/genotype.txt")).startsWith("Genotype(normal=["));
        String metrics = Files.readString(dir.resolve("runs/plain/metrics.jsonl"));
        assertTrue(metrics.contains("\"round\":\"D\"") && metrics.contains("\"overhead_s\""), metrics);
    }

    @Test
    void withSparkHomeItUsesThatSparkSubmit() throws Exception {
        Path runtime = Launch.ROOT.resolve("spark-job/target/spark-home");
        Path home = dir.resolve("spark");
        Files.createDirectories(home.resolve("bin"));
        Files.createSymbolicLink(home.resolve("jars"), runtime.resolve("jars"));
        Files.createSymbolicLink(home.resolve("conf"), runtime.resolve("conf"));
        Files.copy(runtime.resolve("bin/spark-class"), home.resolve("bin/spark-class"));
        Path marker = dir.resolve("used");
        Path submit = home.resolve("bin/spark-submit");
        Files.writeString(submit, "#!/usr/bin/env bash\necho \"$SPARK_HOME\" > '" + marker + "'\n"
                + "exec \"$SPARK_HOME/bin/spark-class\" org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        assertTrue(submit.toFile().setExecutable(true) && home.resolve("bin/spark-class").toFile().setExecutable(true));

        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARKNAS_MASTER", "local[2]");
        Launch.Result r = Launch.run(defaultSearch("home"), env, dir.resolve("home.log"), 600);
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(home.toString(), Files.readString(marker).trim(), "the launcher used $SPARK_HOME/bin/spark-submit");
        assertTrue(Files.exists(dir.resolve("runs/home/genotype.json")));
    }

    @Test
    void unreachableMasterFailsInSecondsNamingTheSetting() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", null);
        env.put("SPARKNAS_MASTER", "spark://127.0.0.1:9");
        long t0 = System.nanoTime();
        Launch.Result r = Launch.run(defaultSearch("nomaster"), env, dir.resolve("nomaster.log"), 120);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().contains("spark.master = spark://127.0.0.1:9 cannot be reached"), r.output());
        assertTrue(seconds < 60, "took " + seconds + " s");
        assertTrue(Files.notExists(dir.resolve("runs/nomaster/metrics.jsonl")), "no work was started");
    }
}
