package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Barrier sessions ({@link BarrierSession}) and their exchange ({@link GatherEndpoint}) on local[2]: every
 * step's inputs reach every task, every task receives every task's message in partition order, step after
 * step, in one Spark job, quickly; another job ends the session first; a task that fails does not leave
 * its peer waiting for a message that never comes (the next session gets both slots).
 */
class GatherEndpointTest extends LocalSparkTest {

    private static Rounds<Integer> rounds(int partitions) {
        return new Rounds<>(sc, sc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions),
                partitions, 1);
    }

    /**
     * Each task gathers "p&lt;partition&gt;:&lt;ω[0]&gt;:&lt;step&gt;"; its sums' correct count is 1 when it got all, in
     * order, and its loss is ω[0] as it received it.
     */
    private static final BarrierSession.StepPass<Integer> GATHER = (shard, w, step, cpus, g) -> {
        String tag = (int) w[0] + ":" + step;
        Object[] all = g.allGather("p" + shard + ":" + tag);
        String[] expected = IntStream.range(0, 2).mapToObj(p -> "p" + p + ":" + tag).toArray(String[]::new);
        return new PartitionSums(w[0], Arrays.equals(all, expected) ? 1 : 0, 1, null, null);
    };

    private static PartitionSums gatherStep(Rounds<Integer> r, int step) {
        return r.sessionStep("A", "gather", "gather test " + step, new double[] {step}, false, GATHER, "s" + step);
    }

    private static final int STEPS = 100;

    @Test
    void everyTaskReceivesEveryStepAndEveryMessageInPartitionOrder() {
        try (Rounds<Integer> r = rounds(2)) {
            long jobsBefore = sc.sc().statusTracker().getJobIdsForGroup("sparknas-rounds").length;
            long t0 = System.nanoTime();
            // a hundred: in one JVM the tasks share the gathered arrays, and a torn read (Kryo writes into the
            // array it reads) showed within a few dozen exchanges
            for (int step = 0; step < STEPS; step++) {
                r.beginStep();
                PartitionSums total = gatherStep(r, step);
                assertEquals(2, total.count);
                assertEquals(2, total.correct, "tasks that received all messages in order, step " + step);
                assertEquals(2.0 * step, total.lossSum, "each task got this step's ω");
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < STEPS / 2.0, STEPS + " steps took " + seconds + " s");
            long jobs = sc.sc().statusTracker().getJobIdsForGroup("sparknas-rounds").length - jobsBefore;
            assertEquals(1, jobs, "the steps ran in one Spark job");
            // an ordinary round needs the slots the session holds: it ends the session first, and a step after
            // it starts another
            PartitionSums plain = r.round("B", "plain", "plain round", null, new double[] {1}, null,
                    (shard, w, d, cpus) -> new PartitionSums(w[0], 0, 1, null, null));
            assertEquals(2.0, plain.lossSum);
            assertEquals(2, gatherStep(r, 7).correct);
            assertEquals(3, sc.sc().statusTracker().getJobIdsForGroup("sparknas-rounds").length - jobsBefore);
        }
    }

    @Test
    void aLargeOmegaTravelsInAStepBroadcast() {
        // a limit of 0 bytes: every step's ω goes in a broadcast whose handle the answers carry
        try (Rounds<Integer> r = new Rounds<>(sc, sc.parallelize(List.of(0, 1), 2), 2, 1, 0)) {
            for (int step = 0; step < 10; step++) {
                r.beginStep(); // destroys the last step's broadcast
                PartitionSums total = gatherStep(r, step);
                assertEquals(2, total.correct, "step " + step);
                assertEquals(2.0 * step, total.lossSum, "each task read this step's broadcast ω");
                assertEquals(8L, r.drainRecords().get(0).get("broadcast_bytes"));
            }
        }
    }

    @Test
    void aFailedTaskDoesNotLeaveItsPeerWaiting() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), this::failThenGather,
                "a session hangs after a failed one: its waiting task still holds its slot");
    }

    private void failThenGather() {
        try (Rounds<Integer> r = rounds(2)) {
            assertEquals(2, gatherStep(r, 1).correct);
            BarrierSession.StepPass<Integer> failing = (shard, w, step, cpus, g) -> {
                if (shard == 1) {
                    Thread.sleep(200); // partition 0 is waiting in its exchange by now
                    throw new IllegalStateException("injected failure");
                }
                g.allGather("never answered");
                return new PartitionSums(0, 0, 1, null, null);
            };
            RuntimeException e = assertThrows(RuntimeException.class, () -> r.sessionStep("A", "gather",
                    "failing gather", new double[] {0}, false, failing, null));
            StringBuilder causes = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                causes.append(t.getMessage()).append('\n');
            }
            assertTrue(causes.toString().contains("injected failure"), causes.toString());
            r.beginStep();
            assertEquals(2, gatherStep(r, 7).correct);
        }
    }
}
