package ai.sparknas.kernels.net;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One forward pass and the record needed to run it backwards: the flat weights it reads, the flat
 * weight-gradient it writes (null when the pass does not want ∇ω, so every kernel skips its
 * weight-gradient half), and the backward closures in forward order.
 *
 * <p>An R-pass (Pearlmutter's R-operator) also carries a direction D in ω: every tensor then carries
 * its tangent ẋ = ∂x/∂ω·D beside its value and, in the backward pass, the tangent of its gradient, so
 * that the weight gradient's tangent is H·D ({@link #weightGradTangent}) and the node sums' tangents
 * give ∇²_αω L·D. Kernels compute the tangents only when {@link #rop()} holds.
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

    /** The direction D of an R-pass (ω's layout), or null in an ordinary pass. */
    final double[] direction;
    /** Σ H·D, the tangent of the weight gradient along D (null when the R-pass does not want it). */
    final double[] weightGradTangent;
    /** Whether the R-pass wants the tangent of ∇α (the mixed product ∇²_αω L·D). */
    final boolean wantsAlphaTangent;

    Tape(double[] weights, double[] weightGrad, boolean recording, KernelTeam pool) {
        this(weights, weightGrad, recording, true, pool);
    }

    Tape(double[] weights, double[] weightGrad, boolean recording, boolean wantsAlphaGrad, KernelTeam pool) {
        this(weights, weightGrad, recording, wantsAlphaGrad, null, null, false, pool);
    }

    Tape(double[] weights, double[] weightGrad, boolean recording, boolean wantsAlphaGrad, double[] direction,
         double[] weightGradTangent, boolean wantsAlphaTangent, KernelTeam pool) {
        this.weights = weights;
        this.weightGrad = weightGrad;
        this.recording = recording;
        this.wantsAlphaGrad = wantsAlphaGrad;
        this.direction = direction;
        this.weightGradTangent = weightGradTangent;
        this.wantsAlphaTangent = wantsAlphaTangent;
        this.pool = pool;
    }

    /**
     * An R-pass along {@code direction}: records the backward pass, wants neither ∇ω nor ∇α
     * themselves, only their tangents ({@code weightGradTangent} when non-null, the α tangent when asked).
     */
    static Tape rPass(double[] weights, double[] direction, double[] weightGradTangent, boolean wantsAlphaTangent,
                      KernelTeam pool) {
        return new Tape(weights, null, true, false, direction, weightGradTangent, wantsAlphaTangent, pool);
    }

    /** Whether this is an R-pass: tensors carry tangents along {@link #direction}. */
    boolean rop() {
        return direction != null;
    }

    /**
     * A tape for one whole operation run as a task (see {@link #tasks}): same weights, gradient and
     * wants, its own backward list, and sequential kernel loops (the task is the unit of parallelism).
     */
    Tape sub() {
        Tape t = new Tape(weights, weightGrad, recording, wantsAlphaGrad, direction, weightGradTangent,
                wantsAlphaTangent, null);
        t.decisions = decisions;
        children.add(t);
        return t;
    }

    /** The sub-tapes made by {@link #sub}, which {@link #discard} empties with this one. */
    private final List<Tape> children = new ArrayList<>();

    /**
     * A recomputed segment (gradient checkpointing): {@code f} runs forward on a tape of its own whose
     * tensors all go back to the pool as soon as the output has been copied out; only that copy (value
     * and tangent) lives until the backward pass. There the segment's step runs {@code f} again, from the
     * same inputs and weights and so to the same bits, hands the copy's gradients to the rerun
     * output and runs the rerun's backward, which accumulates into the inputs' gradients and the
     * pass's sums exactly as an inline segment would have (same steps, same order). The pass then holds
     * one segment's activations at a time instead of all of them, for one more forward of each
     * segment. {@code f} must read nothing that changes between the two runs and may only be used on a
     * recorded pass.
     */
    Tensor recomputed(java.util.function.Function<Tape, Tensor> f) {
        Tape first = segment();
        Tensor out = f.apply(first).copy();
        first.discard();
        onBackward(() -> {
            if (out.gradOrNull() == null && out.tangentGradOrNull() == null) {
                return; // nothing flowed back into the segment
            }
            Tape again = segment();
            Tensor rerun = f.apply(again);
            rerun.takeGradients(out);
            again.backward();
        }, out);
        return out;
    }

    /** A tape like this one (same weights, sums, wants and kernel team) with its own step list. */
    private Tape segment() {
        Tape t = new Tape(weights, weightGrad, recording, wantsAlphaGrad, direction, weightGradTangent,
                wantsAlphaTangent, pool);
        t.decisions = decisions;
        return t;
    }

    /**
     * Forgets the recorded steps without running them and gives back every tensor they created, in
     * this tape and its sub-tapes: a forward run kept only for its output ({@link #recomputed}).
     */
    private void discard() {
        if (releaseEarly) {
            for (Tensor[] created : released) {
                for (Tensor x : created) {
                    x.release();
                }
            }
        }
        released.clear();
        backward.clear();
        for (Tape c : children) {
            c.discard();
        }
        children.clear();
    }

    /**
     * When non-null, the ReLU and max-pool kernels add a digest of their decisions (mask, arg-max) to
     * it: two passes with equal digests took every kink on the same side (tests of the R-operator
     * against finite differences check this). Null in every production pass.
     */
    java.util.concurrent.atomic.AtomicLong decisions;

    /** Adds {@code Σ mix(i)·choice(i)} over [0, n) to {@link #decisions}, when it is tracked. */
    void digest(int n, java.util.function.IntToLongFunction choice) {
        if (decisions != null) {
            long h = 0;
            for (int i = 0; i < n; i++) {
                h += (i + 1L) * 0x9E3779B97F4A7C15L * choice.applyAsLong(i);
            }
            decisions.addAndGet(h);
        }
    }

    /**
     * Registers the backward step of the op just computed (only when the pass is recorded) and the
     * tensors it created, which die with it: once the step has run, their values, gradients and
     * tangents go back to the pool. Steps run in reverse order, so every reader of an op's output (its
     * consumers' steps) has run before the op's own step; the arrays are then free for the gradients of
     * the ops still ahead, and a pass's peak is about its activations once instead of activations plus
     * gradients. Only tensors the op allocated may be given: never one that shares an input's arrays.
     */
    void onBackward(Runnable step, Tensor... created) {
        if (recording) {
            backward.add(step);
            released.add(created);
        }
    }

    private final List<Tensor[]> released = new ArrayList<>();

    /**
     * false keeps every array until the pass ends (the behaviour before early release): for
     * ActivationReleaseTest and for measuring the memory it saves ({@code -Dsparknas.kernels.keep-activations=true}).
     */
    static volatile boolean releaseEarly = !Boolean.getBoolean("sparknas.kernels.keep-activations");

    /** Runs the recorded backward steps in reverse order, releasing each step's tensors after it. */
    void backward() {
        for (int i = backward.size() - 1; i >= 0; i--) {
            backward.get(i).run();
            backward.set(i, null); // lets the activations the closure held be collected early
            if (releaseEarly) {
                for (Tensor x : released.get(i)) {
                    x.release();
                }
            }
            released.set(i, null);
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

    /**
     * Whether the convolutions' backward steps read their inputs: only for a weight gradient ∂W += G(x, ∂y)
     * or its tangent, G(x, (∂y)˙) + G(ẋ, ∂y). A pass that wants neither (∇α alone, ∇²αω·d alone) needs
     * ∂x = Bᵀ(W, ∂y) and its tangent, which read W, D and ∂y only: a tensor that only convolutions read
     * is then dead once they have run forward ({@code DartsOps}).
     */
    boolean keepsConvInputs() {
        return weightGrad != null || weightGradTangent != null;
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
