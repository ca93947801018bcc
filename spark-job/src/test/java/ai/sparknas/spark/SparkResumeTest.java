package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.run.Checkpoint;
import ai.sparknas.driver.run.Checkpoints;
import ai.sparknas.driver.run.LocalRunStorage;
import ai.sparknas.driver.run.RunDirectory;
import ai.sparknas.driver.search.SearchRun;
import ai.sparknas.driver.search.SearchSuspendedException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resume on Spark local[2] with the run directory on the Hadoop FileSystem API: a run stopped after
 * step k (inside an epoch) and resumed equals the uninterrupted run: metrics (timings aside), final
 * checkpoint vectors, genotype.
 */
class SparkResumeTest extends LocalSparkTest {


    @BeforeAll
    static void moreData() throws Exception {
        files = TestData.writeIdx(dir.resolve("data128"), 128, 8, 4, 7);
    }

    private static SearchConfig config(String id, String estimator, String... more) {
        List<String> o = new ArrayList<>(TestData.tinySearch(files, estimator, 2, 8));
        o.addAll(List.of("run.output=" + dir.resolve("runs"), "run.id=" + id, "search.epochs=2",
                "search.steps-per-epoch=3", "checkpoint.every-steps=2"));
        o.addAll(List.of(more));
        return SearchConfig.load(null, o);
    }

    private static void run(SearchConfig cfg) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        RunDirectory run = SparkMain.openRun(sc, cfg, false);
        try (SparkOracle oracle = SparkOracle.create(sc, cfg)) {
            SearchRun.execute(run, oracle.setup(), oracle, "test", oracle::drainRoundRecords, quiet);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"first-order", "second-order", "amended"})
    void stoppedAndResumedEqualsStraight(String estimator) throws Exception {
        run(config("straight-" + estimator, estimator));
        SearchConfig stopped = config("stopped-" + estimator, estimator, "run.max-steps=4");
        assertThrows(SearchSuspendedException.class, () -> run(stopped));
        run(stopped);

        Path a = dir.resolve("runs/straight-" + estimator);
        Path b = dir.resolve("runs/stopped-" + estimator);
        assertEquals(Files.readString(a.resolve("genotype.json")), Files.readString(b.resolve("genotype.json")));
        assertEquals(lines(a), lines(b));
        Checkpoint ca = new Checkpoints(new LocalRunStorage(a), 3).loadNewest(w -> { }).orElseThrow();
        Checkpoint cb = new Checkpoints(new LocalRunStorage(b), 3).loadNewest(w -> { }).orElseThrow();
        assertArrayEquals(ca.weights(), cb.weights(), 0.0);
        assertArrayEquals(ca.alpha(), cb.alpha(), 0.0);
        assertArrayEquals(ca.momentum(), cb.momentum(), 0.0);
        assertArrayEquals(ca.adamV(), cb.adamV(), 0.0);
        assertEquals(2, cb.partitions());
        assertTrue(Files.list(b).noneMatch(f -> f.getFileName().toString().endsWith(".crc")), "no Hadoop .crc files");
    }

    private static List<ObjectNode> lines(Path run) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<ObjectNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            ObjectNode n = (ObjectNode) json.readTree(l);
            n.remove(List.of("seconds", "rounds", "monitor_rounds"));
            out.add(n);
        }
        return out;
    }
}
