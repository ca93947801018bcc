package ai.sparknas.kernels.net;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed team of kernel threads for data-parallel loops: {@code [0, n)} is cut into one contiguous
 * chunk per thread, the caller runs chunk 0, and workers that spin briefly between loops pick up
 * the rest. A pass issues thousands of short loops (a few hundred microseconds each); handing them
 * to a ForkJoinPool cost about as much as the work itself (a ReLU over 100k values: 0.08 ms alone,
 * 0.9 ms through a parallel stream), while this dispatch costs a few microseconds.
 *
 * <p>Every index runs exactly once with the same code whatever the timing, so results do not
 * depend on scheduling. One loop at a time: the team belongs to one network, used by one thread.
 */
final class KernelTeam implements AutoCloseable {

    /** Spin iterations before an idle worker parks (a few tens of microseconds). */
    private static final int SPINS = 20_000;

    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    /** Next unclaimed index of a {@link #runTasks} call; unused by {@link #run}. */
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean claiming;
    private volatile IntConsumer body;
    private volatile int size;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    KernelTeam(int threads) {
        workers = new Thread[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            int chunk = i + 1;
            workers[i] = new Thread(() -> work(chunk), "sparknas-kernel-" + chunk);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    int threads() {
        return workers.length + 1;
    }

    /** Runs {@code body(i)} for every i in [0, n) across the team; bodies must write disjoint memory. */
    void run(int n, IntConsumer loop) {
        start(n, loop, false);
    }

    /**
     * Runs {@code task(i)} for every i in [0, n), each thread claiming the next unclaimed index: for
     * tasks of unequal cost (whole operations), listed largest first. Which thread runs a task varies;
     * a task's result must not depend on it.
     */
    void runTasks(int n, IntConsumer task) {
        start(n, task, true);
    }

    private void start(int n, IntConsumer loop, boolean claim) {
        if (workers.length == 0 || n < 2) {
            for (int i = 0; i < n; i++) {
                loop.accept(i);
            }
            return;
        }
        body = loop;
        size = n;
        claiming = claim;
        next.set(0);
        failure = null;
        pending.set(workers.length);
        generation++; // volatile write: publishes body and size to the workers
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        try {
            runChunk(0, n, loop);
        } catch (RuntimeException | Error e) {
            failure = e; // still wait below: the workers must be idle before the next loop is published
        }
        int spins = 0;
        while (pending.get() != 0) {
            // on an oversubscribed machine the worker may be descheduled: stop burning this core for it
            if (++spins < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        Throwable f = failure;
        if (f != null) {
            if (f instanceof Error err) {
                throw err;
            }
            throw f instanceof RuntimeException r ? r : new IllegalStateException("kernel thread failed", f);
        }
    }

    private void runChunk(int chunk, int n, IntConsumer loop) {
        if (claiming) {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                loop.accept(i);
            }
            return;
        }
        int t = threads();
        long from = (long) chunk * n / t;
        long to = (long) (chunk + 1) * n / t;
        for (int i = (int) from; i < to; i++) {
            loop.accept(i);
        }
    }

    private void work(int chunk) {
        long seen = 0;
        while (true) {
            long g;
            int spins = 0;
            while ((g = generation) == seen && !closed) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = g;
            try {
                runChunk(chunk, size, body);
            } catch (Throwable e) {
                failure = e;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
