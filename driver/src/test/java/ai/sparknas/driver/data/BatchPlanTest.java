package ai.sparknas.driver.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.Split;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class BatchPlanTest {

    private final BatchPlan plan = new BatchPlan(42, 1000, 64);

    @Test
    void stepsPerEpochDropsPartialBatch() {
        assertEquals(15, plan.stepsPerEpoch());
        assertEquals(1, new BatchPlan(1, 10, 10).stepsPerEpoch());
    }

    @Test
    void reproducible() {
        BatchPlan again = new BatchPlan(42, 1000, 64);
        for (Split split : Split.values()) {
            assertArrayEquals(plan.indices(split, 3, 7, 0), again.indices(split, 3, 7, 0));
            assertArrayEquals(plan.indices(split, 3, 7, 0), plan.indices(split, 3, 7, 0));
        }
    }

    @Test
    void epochsSplitsAndSeedsGiveDifferentPermutations() {
        int[] base = plan.permutation(Split.TRAIN, 0, 0);
        assertFalse(Arrays.equals(base, plan.permutation(Split.TRAIN, 1, 0)));
        assertFalse(Arrays.equals(base, plan.permutation(Split.VAL, 0, 0)));
        assertFalse(Arrays.equals(base, new BatchPlan(43, 1000, 64).permutation(Split.TRAIN, 0, 0)));
        assertFalse(Arrays.equals(plan.indices(Split.TRAIN, 0, 0, 0), plan.indices(Split.TRAIN, 1, 0, 0)));
        int[] identity = new int[1000];
        Arrays.setAll(identity, i -> i);
        assertFalse(Arrays.equals(identity, base));
        int[] sorted = base.clone();
        Arrays.sort(sorted);
        assertArrayEquals(identity, sorted);
    }

    @Test
    void batchesOfAnEpochAreDisjointAndInRange() {
        for (Split split : Split.values()) {
            Set<Integer> seen = new HashSet<>();
            for (int s = 0; s < plan.stepsPerEpoch(); s++) {
                int[] batch = plan.indices(split, 2, s, 0);
                assertEquals(64, batch.length);
                for (int i : batch) {
                    assertTrue(i >= 0 && i < 1000);
                    assertTrue(seen.add(i), "record " + i + " drawn twice in one epoch");
                }
            }
            assertEquals(plan.stepsPerEpoch() * 64, seen.size());
        }
    }

    @Test
    void partitionsOwnDisjointRangesAndDrawOnlyFromThem() {
        for (int partitions : new int[] {1, 2, 3, 4, 8, 64}) {
            BatchPlan p = new BatchPlan(42, 1000, partitions == 3 ? 63 : 64, partitions);
            int next = 0;
            for (int q = 0; q < partitions; q++) {
                assertEquals(next, p.partitionStart(q), "ranges are contiguous");
                next += p.partitionSize(q);
                assertTrue(Math.abs(p.partitionSize(q) - 1000 / partitions) <= 1);
                Set<Integer> seen = new HashSet<>();
                for (int s = 0; s < p.stepsPerEpoch(); s++) {
                    int[] part = p.indices(Split.VAL, 1, s, q);
                    assertEquals(p.batchSize() / partitions, part.length);
                    for (int i : part) {
                        assertTrue(i >= 0 && i < p.partitionSize(q), "index inside the partition's range");
                        assertTrue(seen.add(i), "record drawn twice in one epoch");
                    }
                }
            }
            assertEquals(1000, next, "ranges cover the split");
            assertEquals((1000 / partitions) / (p.batchSize() / partitions), p.stepsPerEpoch());
        }
        BatchPlan two = new BatchPlan(42, 1000, 64, 2);
        assertFalse(Arrays.equals(two.indices(Split.TRAIN, 0, 0, 0), two.indices(Split.TRAIN, 0, 0, 1)),
                "partitions draw with their own seeds");
    }

    @Test
    void mixSeparatesNearbyInputs() {
        Set<Long> seeds = new HashSet<>();
        for (long seed = 0; seed < 8; seed++) {
            for (Split split : Split.values()) {
                for (int epoch = 0; epoch < 50; epoch++) {
                    for (int partition = 0; partition < 4; partition++) {
                        assertTrue(seeds.add(BatchPlan.mix(seed, split, epoch, partition)));
                    }
                }
            }
        }
    }

    @Test
    void errorsNameConfigKeys() {
        assertMessage("search.batch", () -> new BatchPlan(1, 100, 0));
        assertMessage("search.batch", () -> new BatchPlan(1, 100, 101));
        assertMessage("spark.partitions", () -> new BatchPlan(1, 1000, 64, 3));
        assertMessage("search.batch", () -> new BatchPlan(1, 1000, 64, 3));
        assertMessage("spark.partitions", () -> new BatchPlan(1, 10, 10, 11));
        assertThrows(IllegalArgumentException.class, () -> new BatchPlan(1, 1000, 64, 4).indices(Split.TRAIN, 0, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> plan.indices(Split.TRAIN, 0, 15, 0));
        assertThrows(IllegalArgumentException.class, () -> plan.indices(Split.TRAIN, -1, 0, 0));
    }

    private static void assertMessage(String key, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
