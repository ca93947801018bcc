package ai.sparknas.kernels.net;

/**
 * An activation in NCHW layout, float64, with its gradient allocated on first use. Tensors that do
 * not need a gradient (the input images) skip the input-gradient half of every backward kernel.
 * In an R-pass it also carries its tangent (null: identically zero, as for the images) and the
 * tangent of its gradient, allocated on first use like the gradient.
 */
final class Tensor {
    final int n;
    final int c;
    final int h;
    final int w;
    final double[] v;
    final boolean needsGrad;
    private final ArrayPool pool;
    private double[] g;
    /** The tangent ẋ of the value in an R-pass, or null when it is zero. */
    double[] t;
    private double[] tg;
    /** Whether {@link #releaseValue} gave the value and its tangent back: {@link #release} then skips them. */
    private boolean valueReleased;

    /** A zero tensor whose value and gradient arrays come from {@code pool} (null: plain allocation). */
    Tensor(int n, int c, int h, int w, boolean needsGrad, ArrayPool pool) {
        this(n, c, h, w, pool == null ? new double[n * c * h * w] : pool.take(n * c * h * w), needsGrad, pool);
    }

    /** A zero tensor with plain (not pooled) arrays. */
    Tensor(int n, int c, int h, int w, boolean needsGrad) {
        this(n, c, h, w, needsGrad, null);
    }

    /** A tensor over existing values with plain (not pooled) gradient arrays. */
    Tensor(int n, int c, int h, int w, double[] v, boolean needsGrad) {
        this(n, c, h, w, v, needsGrad, null);
    }

    /** A tensor over existing values (the input images). */
    Tensor(int n, int c, int h, int w, double[] v, boolean needsGrad, ArrayPool pool) {
        this.n = n;
        this.c = c;
        this.h = h;
        this.w = w;
        this.v = v;
        this.needsGrad = needsGrad;
        this.pool = pool;
    }

    ArrayPool pool() {
        return pool;
    }

    int plane() {
        return h * w;
    }

    /** The gradient buffer, zero-filled on first call. */
    double[] grad() {
        if (g == null) {
            g = pool == null ? new double[v.length] : pool.take(v.length);
        }
        return g;
    }

    /** Returns the gradient buffers to the pool early; the tensor's gradients must not be used again. */
    void releaseGrad() {
        if (pool != null) {
            if (g != null) {
                pool.giveBack(g);
            }
            if (tg != null) {
                pool.giveBack(tg);
            }
        }
        g = null;
        tg = null;
    }

    /**
     * Returns every array of this tensor (value, gradient and their tangents) to the pool: the tensor
     * must not be read again (see {@link Tape#onBackward}). A tensor over plain arrays keeps them.
     */
    void release() {
        if (pool != null && !valueReleased) {
            pool.giveBack(v);
            if (t != null) {
                pool.giveBack(t);
            }
        }
        releaseGrad();
    }

    /**
     * Returns the value and its tangent to the pool while the gradients stay usable: for a tensor that
     * no kernel reads again, forward or backward (see {@code DartsOps#normOfFresh}). Released arrays are
     * reused by the next allocations at once, so a stray read sees another tensor's values (NaN under
     * {@code sparknas.test.poison-released} until then).
     */
    void releaseValue() {
        if (pool != null && !valueReleased && Tape.releaseEarly) {
            valueReleased = true;
            pool.giveBack(v);
            if (t != null) {
                pool.giveBack(t);
            }
        }
    }

    /** The tangent of the value, zero-filled on first call. */
    double[] tangent() {
        if (t == null) {
            t = pool == null ? new double[v.length] : pool.take(v.length);
        }
        return t;
    }

    /** The tangent of the gradient, zero-filled on first call. */
    double[] tangentGrad() {
        if (tg == null) {
            tg = pool == null ? new double[v.length] : pool.take(v.length);
        }
        return tg;
    }

    /** The tangent of the gradient if anything was accumulated into it, else null. */
    double[] tangentGradOrNull() {
        return tg;
    }

    /** The gradient if anything was accumulated into it, else null (nothing flowed back). */
    double[] gradOrNull() {
        return g;
    }

    /** A pooled copy of the value and, when there is one, its tangent; no gradients yet. */
    Tensor copy() {
        Tensor y = toOverwrite(n, c, h, w);
        System.arraycopy(v, 0, y.v, 0, v.length);
        if (t != null) {
            y.t = pool == null ? new double[t.length] : pool.takeToOverwrite(t.length);
            System.arraycopy(t, 0, y.t, 0, t.length);
        }
        return y;
    }

    /**
     * Moves {@code from}'s gradient and gradient tangent (same shape, this tensor has none yet) into this
     * tensor: the arrays change owner, so each still goes back to the pool once, with this tensor.
     */
    void takeGradients(Tensor from) {
        g = from.g;
        tg = from.tg;
        from.g = null;
        from.tg = null;
    }

    Tensor like(boolean grad) {
        return new Tensor(n, c, h, w, grad, pool);
    }

    /**
     * A tensor of this shape, or of another, whose kernel writes every value: its value array is not
     * zero-filled (it may hold an earlier pass's values).
     */
    Tensor toOverwrite(int n2, int c2, int h2, int w2) {
        int size = n2 * c2 * h2 * w2;
        return new Tensor(n2, c2, h2, w2, pool == null ? new double[size] : pool.takeToOverwrite(size), true, pool);
    }

    /** A new tensor of another shape, from the same pool. */
    Tensor sibling(int n2, int c2, int h2, int w2) {
        return new Tensor(n2, c2, h2, w2, true, pool);
    }
}
