package ai.sparknas.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input ends with a clear message, the documented exit code and no genotype presented as a result. */
class MainTest {

    static final String FASHION = "/usr/share/datasets/fashion-mnist/";

    @TempDir
    Path out;


    private CliRun.Outcome run(String... overrides) {
        List<String> args = new ArrayList<>(List.of("search", "run.output=" + out, "run.id=bad",
                "data.train-images=" + FASHION + "train-images-idx3-ubyte.gz",
                "data.train-labels=" + FASHION + "train-labels-idx1-ubyte.gz", "data.limit=64", "search.layers=3",
                "search.channels=4", "search.batch=8", "search.epochs=1", "search.steps-per-epoch=1"));
        args.addAll(List.of(overrides));
        return CliRun.of(args.toArray(new String[0]));
    }


    private void assertNoGenotype() {
        assertFalse(Files.exists(out.resolve("bad/genotype.json")), "no genotype after a failed run");
        assertFalse(Files.exists(out.resolve("bad/genotype.txt")), "no genotype after a failed run");
    }

    @Test
    void unknownOperationIsAConfigError() {
        CliRun.Outcome o = run("search.ops=[none,conv_9x9]");
        assertEquals(Main.EXIT_CONFIG, o.code());
        assertTrue(o.err().contains("conv_9x9") && o.err().contains("sep_conv_3x3"), o.err());
    }

    @Test
    void tooFewCellsIsAConfigError() {
        CliRun.Outcome o = run("search.layers=2");
        assertEquals(Main.EXIT_CONFIG, o.code());
        assertTrue(o.err().contains("sparknas.search.layers"), o.err());
    }

    @Test
    void batchZeroIsAConfigError() {
        CliRun.Outcome o = run("search.batch=0");
        assertEquals(Main.EXIT_CONFIG, o.code());
        assertTrue(o.err().contains("sparknas.search.batch"), o.err());
    }

    @Test
    void batchLargerThanTheDataIsAConfigError() {
        CliRun.Outcome o = run("search.batch=64");
        assertEquals(Main.EXIT_CONFIG, o.code());
        assertTrue(o.err().contains("search.batch") && o.err().contains("data.limit"), o.err());
        assertNoGenotype();
    }

    @Test
    void missingDataPathIsADataError() {
        CliRun.Outcome o = run("data.train-images=" + out.resolve("nope-images.gz"));
        assertEquals(Main.EXIT_DATA, o.code());
        assertTrue(o.err().contains("nope-images.gz"), o.err());
        assertNoGenotype();
    }

    @Test
    void corruptDataFileIsADataError() throws Exception {
        Path corrupt = out.resolve("corrupt-images.gz");
        Files.write(corrupt, new byte[] {0, 0, 8, 3, 0, 0});
        CliRun.Outcome o = run("data.train-images=" + corrupt);
        assertEquals(Main.EXIT_DATA, o.code());
        assertTrue(o.err().contains("corrupt-images.gz"), o.err());
        assertNoGenotype();
    }

    @Test
    void divergenceStopsWithItsOwnExitCodeAndNoGenotype() {
        CliRun.Outcome o = run("optim.weights.lr=1e300", "optim.weights.lr-min=1e299", "search.steps-per-epoch=3");
        assertEquals(Main.EXIT_DIVERGED, o.code(), o.err());
        assertTrue(o.err().contains("diverged") && o.err().contains("optim.weights.lr"), o.err());
        assertNoGenotype();
    }

    @Test
    void unwritableOutputIsAnIoError() throws Exception {
        Path file = out.resolve("a-file");
        Files.writeString(file, "x");
        CliRun.Outcome o = CliRun.capture(() -> Main.run("search", "run.output=" + file, "search.layers=3"));
        assertEquals(Main.EXIT_DATA, o.code());
        assertTrue(o.err().contains("run.output"), o.err());
    }
}
