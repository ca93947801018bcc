package ai.sparknas.spark;

import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** One local[2] Spark context per test class, and a small generated IDX data set (64 records, 8×8, 4 classes). */
abstract class LocalSparkTest {

    @TempDir
    static Path dir;
    static JavaSparkContext sc;
    static Path[] files;

    @BeforeAll
    static void startSpark() throws Exception {
        files = TestData.writeIdx(dir.resolve("data"), 64, 8, 4, 5);
        sc = TestData.localSpark();
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
            sc = null;
        }
    }
}
