package ai.sparknas.kernels.net;

/**
 * An activation in NCHW layout, float64, with its gradient allocated on first use. Tensors that do
 * not need a gradient (the input images) skip the input-gradient half of every backward kernel.
 */
final class Tensor {
    final int n;
    final int c;
    final int h;
    final int w;
    final double[] v;
    final boolean needsGrad;
    private double[] g;

    Tensor(int n, int c, int h, int w, boolean needsGrad) {
        this(n, c, h, w, new double[n * c * h * w], needsGrad);
    }

    Tensor(int n, int c, int h, int w, double[] v, boolean needsGrad) {
        this.n = n;
        this.c = c;
        this.h = h;
        this.w = w;
        this.v = v;
        this.needsGrad = needsGrad;
    }

    int plane() {
        return h * w;
    }

    /** The gradient buffer, zero-filled on first call. */
    double[] grad() {
        if (g == null) {
            g = new double[v.length];
        }
        return g;
    }

    /** The gradient if anything was accumulated into it, else null (nothing flowed back). */
    double[] gradOrNull() {
        return g;
    }

    Tensor like(boolean grad) {
        return new Tensor(n, c, h, w, grad);
    }
}
