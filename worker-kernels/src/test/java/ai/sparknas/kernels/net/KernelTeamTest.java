package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Every index runs exactly once in both modes, and a failing task leaves the team usable. */
class KernelTeamTest {

    @Test
    void everyIndexRunsOnceWithStaticChunksAndWithClaimedTasks() {
        try (KernelTeam team = new KernelTeam(3)) {
            for (int n : new int[] {1, 2, 7, 100}) {
                AtomicIntegerArray runs = new AtomicIntegerArray(n);
                team.run(n, runs::incrementAndGet);
                AtomicIntegerArray tasks = new AtomicIntegerArray(n);
                team.runTasks(n, tasks::incrementAndGet);
                for (int i = 0; i < n; i++) {
                    assertEquals(1, runs.get(i), "loop index " + i + " of " + n);
                    assertEquals(1, tasks.get(i), "task " + i + " of " + n);
                }
            }
        }
    }

    @Test
    void aFailingTaskIsReportedAndTheNextCallIsWhole() {
        try (KernelTeam team = new KernelTeam(2)) {
            for (int failing : new int[] {0, 5, 9}) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> team.runTasks(10, i -> {
                    if (i == failing) {
                        throw new IllegalStateException("task " + i);
                    }
                    sleep();
                }));
                assertEquals("task " + failing, e.getMessage());
                AtomicIntegerArray runs = new AtomicIntegerArray(50);
                team.run(50, runs::incrementAndGet);
                for (int i = 0; i < 50; i++) {
                    assertEquals(1, runs.get(i), "after a failure, index " + i);
                }
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
