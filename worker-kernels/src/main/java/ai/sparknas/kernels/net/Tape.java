package ai.sparknas.kernels.net;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One forward pass and the record needed to run it backwards: the flat weights it reads, the flat
 * weight-gradient it writes (null when the pass does not want ∇ω, so every kernel skips its
 * weight-gradient half), and the backward closures in forward order.
 */
final class Tape {
    /** Flat weights; grows while a network declares its parameters (see {@link #ensureCapacity}). */
    double[] weights;
    final double[] weightGrad;
    final boolean recording;
    private final List<Runnable> backward = new ArrayList<>();
    private final KernelTeam pool;

    /** Whether the pass wants ∇α: without it the node sums skip their ⟨op output, ∂node⟩ products. */
    final boolean wantsAlphaGrad;

    Tape(double[] weights, double[] weightGrad, boolean recording, KernelTeam pool) {
        this(weights, weightGrad, recording, true, pool);
    }

    Tape(double[] weights, double[] weightGrad, boolean recording, boolean wantsAlphaGrad, KernelTeam pool) {
        this.weights = weights;
        this.weightGrad = weightGrad;
        this.recording = recording;
        this.wantsAlphaGrad = wantsAlphaGrad;
        this.pool = pool;
    }

    /**
     * A tape for one whole operation run as a task (see {@link #tasks}): same weights, gradient and
     * wants, its own backward list, and sequential kernel loops (the task is the unit of parallelism).
     */
    Tape sub() {
        return new Tape(weights, weightGrad, recording, wantsAlphaGrad, null);
    }

    /** Registers the backward step of the op just computed (only when the pass is recorded). */
    void onBackward(Runnable step) {
        if (recording) {
            backward.add(step);
        }
    }

    /** Runs the recorded backward steps in reverse order. */
    void backward() {
        for (int i = backward.size() - 1; i >= 0; i--) {
            backward.get(i).run();
            backward.set(i, null); // lets the activations the closure held be collected early
        }
    }

    /** Used by the declaring pass, which discovers the parameters as it goes, to size the zero weights. */
    void ensureCapacity(long size) {
        if (weights.length < size) {
            weights = java.util.Arrays.copyOf(weights, Math.toIntExact(size));
        }
    }

    private long macs;

    /** Counts multiply-accumulates of convolutions and the classifier (the anchor's FLOP convention). */
    void countMacs(long n) {
        macs += n;
    }

    long macs() {
        return macs;
    }

    boolean wantsWeightGrad() {
        return weightGrad != null;
    }

    /** Runs task(0..n-1) on the kernel team, each thread claiming the next task; tasks write disjoint memory. */
    void tasks(int n, IntConsumer task) {
        run(n, task, true);
    }

    /** Runs body(0..n-1) on the kernel team; iterations must write disjoint memory. */
    void parallel(int n, IntConsumer body) {
        run(n, body, false);
    }

    private void run(int n, IntConsumer body, boolean claim) {
        if (pool == null) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
        } else if (claim) {
            pool.runTasks(n, body);
        } else {
            pool.run(n, body);
        }
    }
}
