package ai.sparknas.spark;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Small generated IDX data sets (gzip) and configs for the Spark tests. */
final class TestData {

    private TestData() {
    }

    /** Writes {@code n} random {@code size}×{@code size} images of {@code classes} classes; returns {images, labels}. */
    static Path[] writeIdx(Path dir, int n, int size, int classes, long seed) throws IOException {
        Files.createDirectories(dir);
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        Path labels = dir.resolve("train-labels-idx1-ubyte.gz");
        SplittableRandom rng = new SplittableRandom(seed);
        int[] lab = new int[n];
        try (DataOutputStream img = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(images)));
             DataOutputStream lbl = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(labels)))) {
            img.writeInt(0x803);
            img.writeInt(n);
            img.writeInt(size);
            img.writeInt(size);
            lbl.writeInt(0x801);
            lbl.writeInt(n);
            for (int i = 0; i < n; i++) {
                lab[i] = rng.nextInt(classes);
                lbl.writeByte(lab[i]);
                for (int j = 0; j < size * size; j++) {
                    // class-dependent brightness so the search has something to learn
                    img.writeByte(Math.min(255, rng.nextInt(128) + 32 * lab[i]));
                }
            }
        }
        return new Path[] {images, labels};
    }

    /** A local[2] Spark context on loopback, with the job's settings (Kryo, registration required). */
    static JavaSparkContext localSpark() {
        return new JavaSparkContext(SparkConfDefaults.apply(new SparkConf().setMaster("local[2]")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")));
    }

    /**
     * Overrides for a tiny float64 search on the files of {@link #writeIdx}; its batches are tiny, so the
     * per-partition floor is the smallest BatchNorm batch allowed, 2.
     */
    static List<String> tinySearch(Path[] files, String estimator, int partitions, int batch) {
        List<String> o = new ArrayList<>(List.of("search.layers=3", "search.channels=4", "search.batch=" + batch,
                "search.epochs=1", "data.classes=4", "data.normalize=none", "compute.precision=float64",
                "search.estimator=" + estimator, "spark.partitions=" + partitions,
                "spark.min-examples-per-partition=2"));
        o.add("data.train-images=" + files[0]);
        o.add("data.train-labels=" + files[1]);
        return o;
    }

}
