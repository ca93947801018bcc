package ai.sparknas.kernels.net;

/**
 * An operation whose Jacobian J in x is fixed once its forward pass has run: linear ones (average
 * pooling, subsampling) and piecewise-linear ones whose decisions the forward pass made (the ReLU
 * mask, the max-pool arg-max). Its tangent is {@code ẏ = J·ẋ} and the tangent of its input gradient
 * is {@code (∂x)˙ = Jᵀ·(∂y)˙}: the same transpose as the backward pass, with the decisions kept (the
 * R-operator of a kink is taken on the side the forward pass chose).
 */
interface LocallyLinear {

    /** {@code out += J·in}. */
    void jacobian(double[] in, double[] out);

    /** {@code dIn += Jᵀ·dOut}. */
    void transpose(double[] dOut, double[] dIn);

    /** Records the tangent and the backward pass of an op whose forward already wrote y from x. */
    static Tensor track(Tape t, Tensor x, Tensor y, LocallyLinear op) {
        if (t.rop() && x.t != null) {
            op.jacobian(x.t, y.tangent());
        }
        t.onBackward(() -> {
            if (!x.needsGrad) {
                return;
            }
            double[] dy = y.gradOrNull();
            if (dy != null) {
                op.transpose(dy, x.grad());
            }
            double[] dyt = y.tangentGradOrNull();
            if (dyt != null) {
                op.transpose(dyt, x.tangentGrad());
            }
        }, y);
        return y;
    }
}
