package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

class TreeSumTest {

    private static PartitionSums leaf(int p, Random rng) {
        double[] w = new double[5];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.nextGaussian() * Math.pow(10, rng.nextInt(8) - 4); // mixed magnitudes: order matters
        }
        return new PartitionSums(rng.nextDouble(), p, 2, w, new double[] {p, -p});
    }

    /** The fixed tree computed directly: pairwise over [from, from + 2^level). */
    private static PartitionSums pairwise(PartitionSums[] leaves, int from, int size) {
        if (size == 1 || from + size / 2 >= leaves.length) {
            return size == 1 ? leaves[from] : pairwise(leaves, from, size / 2);
        }
        return pairwise(leaves, from, size / 2).plus(pairwise(leaves, from + size / 2, size / 2));
    }

    @Test
    void anyArrivalOrderAndGroupingGivesTheSameBits() {
        Random rng = new Random(3);
        for (int partitions = 1; partitions <= 13; partitions++) {
            PartitionSums[] leaves = new PartitionSums[partitions];
            for (int p = 0; p < partitions; p++) {
                leaves[p] = leaf(p, rng);
            }
            int size = Integer.highestOneBit(partitions) == partitions ? partitions : Integer.highestOneBit(partitions) * 2;
            PartitionSums expected = pairwise(leaves, 0, size);
            for (int trial = 0; trial < 20; trial++) {
                List<Integer> order = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    order.add(p);
                }
                Collections.shuffle(order, rng);
                // random groups of partial sums, merged in random order (what treeAggregate may do)
                List<TreeSum> parts = new ArrayList<>();
                for (int p : order) {
                    if (parts.isEmpty() || rng.nextBoolean()) {
                        parts.add(new TreeSum(partitions));
                    }
                    parts.get(parts.size() - 1).add(p, leaves[p]);
                }
                Collections.shuffle(parts, rng);
                TreeSum total = parts.get(0);
                for (int i = 1; i < parts.size(); i++) {
                    total = rng.nextBoolean() ? total.merge(parts.get(i)) : parts.get(i).merge(total);
                }
                PartitionSums got = total.total();
                assertArrayEquals(expected.weightGrad, got.weightGrad, 0.0, partitions + " partitions");
                assertEquals(expected.lossSum, got.lossSum, 0.0);
                assertEquals(2L * partitions, got.count);
            }
        }
    }

    @Test
    void missingOrDuplicatePartitionsAreErrors() {
        Random rng = new Random(1);
        TreeSum t = new TreeSum(4).add(0, leaf(0, rng)).add(2, leaf(2, rng));
        IllegalStateException e = assertThrows(IllegalStateException.class, t::total);
        assertTrue(e.getMessage().contains("only 2 of 4"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new TreeSum(4).add(1, leaf(1, rng)).add(1, leaf(1, rng)));
        assertThrows(IllegalStateException.class, () -> new TreeSum(4).add(4, leaf(4, rng)));
        assertThrows(IllegalStateException.class, () -> new TreeSum(4).merge(new TreeSum(3)));
    }

    @Test
    void roundTripsThroughKryoWithRegistrationRequired() {
        SerializerInstance kryo = new KryoSerializer(SparkConfDefaults.apply(new SparkConf())).newInstance();
        Random rng = new Random(2);
        TreeSum t = new TreeSum(3).add(2, leaf(2, rng)).add(0, leaf(0, rng));
        ByteBuffer bytes = kryo.serialize(t, ClassTag$.MODULE$.apply(TreeSum.class));
        TreeSum back = kryo.deserialize(bytes, ClassTag$.MODULE$.apply(TreeSum.class));
        back.add(1, leaf(1, new Random(9)));
        t.add(1, leaf(1, new Random(9)));
        assertArrayEquals(t.total().weightGrad, back.total().weightGrad, 0.0);
    }

    @Test
    void autoPartitionsDivideTheBatch() {
        assertEquals(2, SparkOracle.autoPartitions(2, 32, 2));
        assertEquals(2, SparkOracle.autoPartitions(3, 32, 2));
        assertEquals(3, SparkOracle.autoPartitions(3, 48, 2));
        assertEquals(1, SparkOracle.autoPartitions(4, 7, 2));
        assertEquals(5, SparkOracle.autoPartitions(64, 10, 2));
        assertEquals(1, SparkOracle.autoPartitions(0, 32, 2));
    }

    @Test
    void autoPartitionsNeverGoBelowTheFloor() {
        assertEquals(2, SparkOracle.autoPartitions(2, 32, 16));
        assertEquals(2, SparkOracle.autoPartitions(8, 32, 16), "not 4 or 8 partitions of 8 and 4");
        assertEquals(4, SparkOracle.autoPartitions(16, 64, 16));
        assertEquals(3, SparkOracle.autoPartitions(4, 48, 16), "not 4 of 12");
        assertEquals(4, SparkOracle.autoPartitions(6, 36, 8), "9 each; 6 of 6 is below the floor");
        assertEquals(1, SparkOracle.autoPartitions(4, 8, 16), "batch below the floor: one partition");
        assertEquals(1, SparkOracle.autoPartitions(4, 15, 16));
        assertEquals(1, SparkOracle.autoPartitions(64, 5, 2), "no divisor of 5 leaves 2 each");
        assertEquals(1, SparkOracle.autoPartitions(2, 16, 16), "exactly the floor in one partition");
        for (int cores = 0; cores <= 17; cores++) {
            for (int batch = 1; batch <= 130; batch++) {
                for (int floor = 2; floor <= 20; floor++) {
                    int p = SparkOracle.autoPartitions(cores, batch, floor);
                    String at = "cores " + cores + ", batch " + batch + ", floor " + floor + ": " + p;
                    assertTrue(p >= 1 && p <= Math.max(1, cores), at);
                    assertEquals(0, batch % p, at);
                    assertTrue(p == 1 || batch / p >= floor, at);
                    for (int q = p + 1; q <= cores; q++) {
                        assertTrue(batch % q != 0 || batch / q < floor, at + " but " + q + " also fits");
                    }
                }
            }
        }
    }

    @Test
    void executorsGetTheVectorApiOnceAndKeepTheirOwnOptions() {
        String flag = ai.sparknas.kernels.net.Blas1.JVM_OPTION;
        assertEquals(flag, SparkConfDefaults.apply(new SparkConf()).get("spark.executor.extraJavaOptions"));
        SparkConf own = new SparkConf().set("spark.executor.extraJavaOptions", "-XX:+UseG1GC");
        assertEquals("-XX:+UseG1GC " + flag, SparkConfDefaults.apply(own).get("spark.executor.extraJavaOptions"));
        assertEquals("-XX:+UseG1GC " + flag, SparkConfDefaults.apply(own).get("spark.executor.extraJavaOptions"),
                "applied twice, still once");
    }

    @Test
    void javaModuleFlagsOfThePomAreSparksOwn() {
        assertEquals(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptions(),
                System.getProperty("spark.java17.options"), "update spark.java17.options in the parent pom.xml");
    }
}
