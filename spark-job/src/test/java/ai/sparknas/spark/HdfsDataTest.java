package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors read their record ranges through the Hadoop FileSystem API: the same data on an
 * in-process HDFS (one NameNode, one DataNode) gives bit-identical round sums to the local files.
 */
class HdfsDataTest {

    @TempDir
    Path dir;

    @Test
    void hdfsDataGivesTheSameSumsAsLocalFiles() throws Exception {
        Path[] local = TestData.writeIdx(dir.resolve("data"), 64, 8, 4, 5);
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try (JavaSparkContext sc = TestData.localSpark()) {
            FileSystem fs = hdfs.getFileSystem();
            String base = fs.getUri() + "/datasets/tiny/";
            for (Path f : local) {
                fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(f.toString()),
                        new org.apache.hadoop.fs.Path(base + f.getFileName()));
            }
            assertTrue(base.startsWith("hdfs://"), base);
            GradientSums fromHdfs = firstRound(sc, List.of("data.train-images=" + base + local[0].getFileName(),
                    "data.train-labels=" + base + local[1].getFileName()), local);
            GradientSums fromLocal = firstRound(sc, List.of(), local);
            assertEquals(fromLocal.lossSum(), fromHdfs.lossSum(), 0.0);
            assertArrayEquals(fromLocal.weightGrad().toDoubleVector(), fromHdfs.weightGrad().toDoubleVector(), 0.0);
            assertArrayEquals(fromLocal.alphaGrad().toDoubleVector(), fromHdfs.alphaGrad().toDoubleVector(), 0.0);
        } finally {
            hdfs.shutdown();
        }
    }

    private static GradientSums firstRound(JavaSparkContext sc, List<String> paths, Path[] local) throws Exception {
        List<String> o = new ArrayList<>(TestData.tinySearch(local, "first-order", 2, 8));
        o.addAll(paths);
        try (SparkOracle spark = SparkOracle.create(sc, SearchConfig.load(null, o))) {
            var s = spark.setup().initialState();
            spark.beginStep(0, 1);
            return spark.gradients(s.weights(), s.alpha(), Split.VAL, Wanted.BOTH);
        }
    }
}
