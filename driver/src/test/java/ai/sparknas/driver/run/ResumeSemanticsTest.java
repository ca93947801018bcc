package ai.sparknas.driver.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.DataLayout;
import ai.sparknas.driver.search.SearchRun;
import ai.sparknas.driver.search.SearchSetup;
import ai.sparknas.driver.search.SearchSuspendedException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resume as documented: keys that change no bits (the thread counts, the run directory's own location)
 * need no --force, and the advice for a partition-count mismatch is one that is then accepted.
 */
class ResumeSemanticsTest {

    static SearchConfig tiny(Path output, String id, String... more) {
        List<String> o = new ArrayList<>(List.of("run.output=" + output, "run.id=" + id, "data.limit=64",
                "search.layers=3", "search.channels=4", "search.batch=8", "search.epochs=1", "search.steps-per-epoch=3",
                "search.estimator=first-order", "monitor.eval-batches=0", "checkpoint.every-steps=1"));
        o.addAll(List.of(more));
        return SearchConfig.load(null, o);
    }

    @Test
    void aMovedRunDirectoryWithOtherThreadCountsAndLivySettingsResumesWithoutForce(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);
        assertThrows(SearchSuspendedException.class,
                () -> SearchRun.execute(tiny(tmp.resolve("a"), "r", "compute.threads=1", "run.max-steps=1"), progress));
        Files.move(tmp.resolve("a"), tmp.resolve("b"));
        Files.move(tmp.resolve("b/r"), tmp.resolve("b/moved"));
        SearchRun.execute(tiny(tmp.resolve("b"), "moved", "compute.threads=2", "spark.kernel-threads=2",
                "livy.url=\"http://elsewhere:8998\"", "livy.driver-memory=8g"), false, progress);
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("resuming after step 1"), printed);
        assertTrue(Files.exists(tmp.resolve("b/moved/genotype.json")));
    }

    @Test
    void thePartitionAdviceIsAccepted() {
        String many = RunDirectory.resumeAdvice("search", 4, 32, 16);
        assertTrue(many.contains("spark.partitions=4 spark.min-examples-per-partition=8"), many);
        // what the advice says parses and passes the explicit-partition checks
        SearchConfig followed = SearchConfig.load(null, List.of("search.batch=32", "spark.partitions=4",
                "spark.min-examples-per-partition=8"));
        DataLayout layout = new DataLayout("test", 1, 28, 28, 512, 256);
        SearchSetup setup = new SearchSetup(followed, layout, followed.spark().partitions(), 1, true);
        assertEquals(4, setup.plan.partitions());
        setup.network.close();
        assertTrue(RunDirectory.resumeAdvice("search", 1, 32, 16).contains("in one process"));
        assertTrue(RunDirectory.resumeAdvice("retrain", 2, 32, 16).endsWith("spark.partitions=2"),
                "no floor to lower when the batch gives enough examples");
    }
}
