package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input on Spark: a clear error naming the setting, quickly, and no half-started search. */
class SparkBadInputTest extends LocalSparkTest {


    private static SearchConfig config(Path[] data, int partitions, int batch, String... more) {
        List<String> o = new ArrayList<>(TestData.tinySearch(data, "first-order", partitions, batch));
        o.addAll(List.of(more));
        return SearchConfig.load(null, o);
    }

    private static <T extends Throwable> T fails(Class<T> type, Executable call) {
        long t0 = System.nanoTime();
        T e = assertThrows(type, call);
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "failed fast");
        return e;
    }

    @Test
    void missingDataPathNamesTheFile() {
        Path[] missing = {dir.resolve("nope/train-images.gz"), files[1]};
        IOException e = fails(IOException.class, () -> SparkOracle.create(sc, config(missing, 2, 8)));
        assertTrue(e.getMessage().contains(missing[0].toString()), e.getMessage());
        assertTrue(e.getMessage().contains("check the data paths"), e.getMessage());
    }

    @Test
    void truncatedRecordsAreRefusedByTheDriversProbeNamingTheFile() throws Exception {
        // the header is intact but the records stop early: the probe reads every file whole, on the driver
        Path bad = dir.resolve("truncated/train-images-idx3-ubyte.gz");
        Files.createDirectories(bad.getParent());
        byte[] all;
        try (var in = new GZIPInputStream(Files.newInputStream(files[0]))) {
            all = in.readAllBytes();
        }
        try (var out = new GZIPOutputStream(Files.newOutputStream(bad))) {
            out.write(all, 0, 16 + 40 * 64);
        }
        Path[] truncated = {bad, files[1]};
        IOException e = fails(IOException.class, () -> SparkOracle.create(sc, config(truncated, 2, 8)));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(bad.toString()), e.getMessage());
    }

    @Test
    void recordsThatExecutorsCannotReadAreAnIoErrorNamingTheFile() throws Exception {
        // well-formed files whose labels exceed data.classes: only the executors reading the records see it
        Path[] wide = TestData.writeIdx(dir.resolve("wide"), 64, 8, 4, 9);
        UncheckedIOException e = fails(UncheckedIOException.class, () -> SparkOracle.create(sc, config(wide, 2, 8,
                "data.classes=2")));
        assertTrue(e.getMessage().contains("reading the data") && e.getMessage().contains(wide[1].toString())
                && e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void batchThatDoesNotDivideNamesTheKeys() {
        ConfigException e = fails(ConfigException.class, () -> SparkOracle.create(sc, config(files, 3, 8)));
        assertEquals("sparknas.search.batch", e.key());
        assertTrue(e.getMessage().contains("3 partitions (spark.partitions)"), e.getMessage());
    }

    @Test
    void morePartitionsThanRecordsNamesTheKey() {
        // 32 records per half; 64 partitions cannot each own one
        ConfigException e = fails(ConfigException.class, () -> SparkOracle.create(sc, config(files, 64, 32)));
        assertEquals("sparknas.spark.partitions", e.key(), e.getMessage());
        assertTrue(e.getMessage().contains("64 partitions (spark.partitions) are more than the 32 records"),
                e.getMessage());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"local[abc]", "spark://", "spark://host", "lokal[2]",
        "local-cluster[2]", "spark://h:7077/x", "", "yarn-client"})
    void malformedMasterUrlsAreConfigErrorsNamingSparkMaster(String master) {
        ai.sparknas.driver.config.ConfigException e = fails(ai.sparknas.driver.config.ConfigException.class,
                () -> SparkMain.checkMasterReachable(master));
        assertTrue(e.getMessage().contains("spark.master") && e.getMessage().contains("local[N]"), e.getMessage());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"local", "local[2]", "local[*]", "local[4,3]",
        "local-cluster[2,1,1024]", "yarn", "k8s://https://10.0.0.1:6443"})
    void wellFormedLocalAndClusterMastersPass(String master) {
        SparkMain.checkMasterReachable(master); // none of these is a standalone master to connect to
    }

    @Test
    void aFifoOrDirectoryAsADataFileIsRefusedNamingItInsteadOfBlocking() throws Exception {
        Path fifo = dir.resolve("images.fifo");
        if (!Files.exists(fifo)) {
            assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        }
        for (Path bad : new Path[] {fifo, Files.createDirectories(dir.resolve("images-dir"))}) {
            IOException e = fails(IOException.class, () -> SparkOracle.create(sc, config(new Path[] {bad, files[1]}, 2, 8)));
            assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("not a regular file"),
                    e.getMessage());
        }
    }
}
