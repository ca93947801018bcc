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
            assertArrayEquals(plan.indices(split, 3, 7), again.indices(split, 3, 7));
            assertArrayEquals(plan.indices(split, 3, 7), plan.indices(split, 3, 7));
        }
    }

    @Test
    void epochsSplitsAndSeedsGiveDifferentPermutations() {
        int[] base = plan.permutation(Split.TRAIN, 0);
        assertFalse(Arrays.equals(base, plan.permutation(Split.TRAIN, 1)));
        assertFalse(Arrays.equals(base, plan.permutation(Split.VAL, 0)));
        assertFalse(Arrays.equals(base, new BatchPlan(43, 1000, 64).permutation(Split.TRAIN, 0)));
        assertFalse(Arrays.equals(plan.indices(Split.TRAIN, 0, 0), plan.indices(Split.TRAIN, 1, 0)));
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
                int[] batch = plan.indices(split, 2, s);
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
    void shardsConcatenateToTheBatch() {
        for (int shards : new int[] {1, 2, 4, 8, 64}) {
            int[] joined = new int[0];
            for (int p = 0; p < shards; p++) {
                int[] part = plan.shardIndices(Split.VAL, 1, 4, p, shards);
                assertEquals(64 / shards, part.length);
                int[] next = Arrays.copyOf(joined, joined.length + part.length);
                System.arraycopy(part, 0, next, joined.length, part.length);
                joined = next;
            }
            assertArrayEquals(plan.indices(Split.VAL, 1, 4), joined);
        }
    }

    @Test
    void mixSeparatesNearbyInputs() {
        Set<Long> seeds = new HashSet<>();
        for (long seed = 0; seed < 8; seed++) {
            for (Split split : Split.values()) {
                for (int epoch = 0; epoch < 50; epoch++) {
                    assertTrue(seeds.add(BatchPlan.mix(seed, split, epoch)));
                }
            }
        }
    }

    @Test
    void errorsNameConfigKeys() {
        assertMessage("search.batch", () -> new BatchPlan(1, 100, 0));
        assertMessage("search.batch", () -> new BatchPlan(1, 100, 101));
        assertMessage("spark.partitions", () -> plan.shardIndices(Split.TRAIN, 0, 0, 0, 3));
        assertMessage("search.batch", () -> plan.shardIndices(Split.TRAIN, 0, 0, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> plan.shardIndices(Split.TRAIN, 0, 0, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> plan.indices(Split.TRAIN, 0, 15));
        assertThrows(IllegalArgumentException.class, () -> plan.indices(Split.TRAIN, -1, 0));
    }

    private static void assertMessage(String key, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
