package ai.sparknas.kernels.net;

/**
 * An operation linear in its weights W and in its input x, {@code y = B(W, x)} (every convolution), and
 * the one place where such an operation's passes are wired to a tape. With {@code G(x, ∂y) = ∂⟨∂y, B(W, x)⟩/∂W}
 * and D the R-pass direction:
 * <pre>
 *   forward    y = B(W, x)                      ẏ = B(W, ẋ) + B(D, x)
 *   backward   ∂x = Bᵀ(W, ∂y),  ∂W += G(x, ∂y)
 *   tangents   (∂x)˙ = Bᵀ(W, (∂y)˙) + Bᵀ(D, ∂y),   (∂W)˙ += G(x, (∂y)˙) + G(ẋ, ∂y)
 * </pre>
 * Being linear in each argument, the R-operator of B is B itself applied twice: no second copy of any
 * kernel exists for the tangents.
 */
interface Bilinear {

    /**
     * {@code out ← B(wt, in)}, or {@code out += B(wt, in)} when {@code add}; a kernel that always
     * accumulates is given a zero-filled {@code out}.
     */
    void apply(double[] wt, double[] in, double[] out, boolean add);

    /** {@code dIn += Bᵀ(wt, dOut)} when dIn is non-null; {@code dW += G(in, dOut)} when dW is non-null. */
    void transpose(double[] wt, double[] in, double[] dOut, double[] dIn, double[] dW);

    /** Runs {@code op} forward from x into y (allocated by the op) and records its backward pass. */
    static Tensor run(Tape t, Tensor x, Tensor y, Bilinear op) {
        double[] w = t.weights;
        op.apply(w, x.v, y.v, false);
        if (t.rop()) {
            double[] yt = y.tangent();
            if (x.t != null) {
                op.apply(w, x.t, yt, true);
            }
            op.apply(t.direction, x.v, yt, true);
        }
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null) {
                return;
            }
            double[] dx = x.needsGrad ? x.grad() : null;
            op.transpose(w, x.v, dy, dx, t.weightGrad);
            if (t.rop()) {
                double[] dxt = x.needsGrad ? x.tangentGrad() : null;
                double[] dyt = y.tangentGradOrNull();
                if (dyt != null) {
                    op.transpose(w, x.v, dyt, dxt, t.weightGradTangent);
                }
                op.transpose(t.direction, x.v, dy, dxt, null);
                if (x.t != null && t.weightGradTangent != null) {
                    op.transpose(w, x.t, dy, null, t.weightGradTangent);
                }
            }
        }, y);
        return y;
    }
}
