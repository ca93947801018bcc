package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The barrier rounds' exchange ({@link GatherEndpoint}) on local[2]: every task receives every task's
 * message in partition order, round after round, quickly; a task that fails does not leave its peer
 * waiting for a message that never comes (the next barrier round gets both slots).
 */
class GatherEndpointTest extends LocalSparkTest {

    private static Rounds<Integer> rounds(int partitions) {
        return new Rounds<>(sc, sc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions),
                partitions, 1);
    }

    /** Each task gathers "p<partition>:<round>"; its sums' correct count is 1 when it got all, in order. */
    private static PartitionSums gatherRound(Rounds<Integer> r, int round, int partitions) {
        return r.barrierRound("A", "gather", "gather test " + round, new double[] {round}, false,
                (shard, w, cpus, g) -> {
            Object[] all = g.allGather("p" + shard + ":" + (int) w[0]);
            String[] expected = IntStream.range(0, partitions).mapToObj(p -> "p" + p + ":" + (int) w[0])
                    .toArray(String[]::new);
            return new PartitionSums(shard, Arrays.equals(all, expected) ? 1 : 0, 1, null, null);
        });
    }

    private static final int ROUNDS = 100;

    @Test
    void everyTaskReceivesEveryMessageInPartitionOrder() {
        try (Rounds<Integer> r = rounds(2)) {
            long t0 = System.nanoTime();
            // a hundred: in one JVM the tasks share the gathered arrays, and a torn read (Kryo writes into the
            // array it reads) showed within a few dozen rounds
            for (int round = 0; round < ROUNDS; round++) {
                r.beginStep();
                PartitionSums total = gatherRound(r, round, 2);
                assertEquals(2, total.count);
                assertEquals(2, total.correct, "tasks that received all messages in order, round " + round);
            }
            // Spark's own allGather answers after a second at best (a second per round); here a round is a small job
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < ROUNDS, ROUNDS + " exchanges took " + seconds + " s");
        }
    }

    @Test
    void aFailedTaskDoesNotLeaveItsPeerWaiting() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), this::failThenGather,
                "a barrier round hangs after a failed one: its waiting task still holds its slot");
    }

    private void failThenGather() {
        try (Rounds<Integer> r = rounds(2)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> r.barrierRound("A", "gather",
                    "failing gather", new double[] {0}, false, (shard, w, cpus, g) -> {
                        if (shard == 1) {
                            Thread.sleep(200); // partition 0 is waiting in its exchange by now
                            throw new IllegalStateException("injected failure");
                        }
                        g.allGather("never answered");
                        return new PartitionSums(0, 0, 1, null, null);
                    }));
            StringBuilder causes = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                causes.append(t.getMessage()).append('\n');
            }
            assertTrue(causes.toString().contains("injected failure"), causes.toString());
            r.beginStep();
            assertEquals(2, gatherRound(r, 7, 2).correct);
        }
    }
}
