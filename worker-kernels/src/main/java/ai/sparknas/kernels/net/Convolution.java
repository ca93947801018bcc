package ai.sparknas.kernels.net;

/**
 * Convolutions without bias, forward and backward, on NCHW float64 tensors. Weights live in the
 * tape's flat vector in PyTorch layout: dense {@code [out, in, k, k]}, depthwise {@code [c, 1, k, k]},
 * pointwise {@code [out, in]}.
 *
 * <p>Every kernel is built from one "tap": {@code out[oh, ow] += wv · in[oh·s − p + ki·d, ow·s − p + kj·d]}
 * over the window where the input index is valid; its transpose gives ∂/∂in and its dot ∂/∂w.
 */
final class Convolution {

    private Convolution() {
    }

    static int outSize(int in, int k, int stride, int pad, int dilation) {
        return (in + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
    }

    /** Depthwise k×k convolution, stride s, padding p, dilation d; weights at {@code off}. */
    static Tensor depthwise(Tape t, Tensor x, int off, int k, int s, int p, int d) {
        if (s == 1 && 2 * p == d * (k - 1)) {
            return depthwiseSame(t, x, off, k, p, d);
        }
        int oh = outSize(x.h, k, s, p, d);
        int ow = outSize(x.w, k, s, p, d);
        Tensor y = x.sibling(x.n, x.c, oh, ow);
        t.countMacs((long) y.v.length * k * k);
        double[] wt = t.weights;
        t.parallel(x.n * x.c, nc -> {
            int c = nc % x.c;
            for (int ki = 0; ki < k; ki++) {
                for (int kj = 0; kj < k; kj++) {
                    tap(x.v, nc * x.plane(), x.h, x.w, y.v, nc * y.plane(), oh, ow,
                            wt[off + (c * k + ki) * k + kj], ki, kj, s, p, d);
                }
            }
        });
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null) {
                return;
            }
            double[] dx = x.needsGrad ? x.grad() : null;
            t.parallel(x.c, c -> {
                for (int n = 0; n < x.n; n++) {
                    int nc = n * x.c + c;
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            int wi = off + (c * k + ki) * k + kj;
                            if (dx != null) {
                                tapTranspose(dx, nc * x.plane(), x.h, x.w, dy, nc * y.plane(), oh, ow, wt[wi], ki, kj, s, p, d);
                            }
                            if (t.wantsWeightGrad()) {
                                t.weightGrad[wi] += tapDot(x.v, nc * x.plane(), x.h, x.w, dy, nc * y.plane(), oh, ow, ki, kj, s, p, d);
                            }
                        }
                    }
                }
            });
        });
        return y;
    }

    /**
     * Stride-1 "same" depthwise convolution on zero-padded planes: with the input padded to
     * {@code (H+2p)×(W+2p)} and the output kept at the padded row pitch, every tap is ONE contiguous
     * axpy (or dot) over {@code H·(W+2p)} values instead of H short rows; the pitch's extra columns
     * are scratch that is dropped (forward) or zero (backward).
     */
    private static Tensor depthwiseSame(Tape t, Tensor x, int off, int k, int p, int d) {
        int h = x.h;
        int w = x.w;
        int pitch = w + 2 * p;
        int padded = (h + 2 * p) * pitch + 2 * p; // the last taps read 2p scratch values past the last row
        int span = h * pitch;
        Tensor y = x.sibling(x.n, x.c, h, w);
        t.countMacs((long) y.v.length * k * k);
        double[] wt = t.weights;
        t.parallel(x.n * x.c, nc -> {
            int c = nc % x.c;
            double[] in = pad(x.v, nc * x.plane(), h, w, p, padded);
            double[] out = new double[span];
            for (int ki = 0; ki < k; ki++) {
                for (int kj = 0; kj < k; kj++) {
                    axpy(wt[off + (c * k + ki) * k + kj], in, ki * d * pitch + kj * d, out, 0, span);
                }
            }
            for (int r = 0; r < h; r++) {
                System.arraycopy(out, r * pitch, y.v, nc * x.plane() + r * w, w);
            }
        });
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null) {
                return;
            }
            double[] dx = x.needsGrad ? x.grad() : null;
            t.parallel(x.c, c -> {
                double[] dyp = new double[span];
                double[] dxp = new double[padded];
                for (int n = 0; n < x.n; n++) {
                    int nc = n * x.c + c;
                    for (int r = 0; r < h; r++) {
                        System.arraycopy(dy, nc * x.plane() + r * w, dyp, r * pitch, w);
                    }
                    double[] in = t.wantsWeightGrad() ? pad(x.v, nc * x.plane(), h, w, p, padded) : null;
                    if (dx != null) {
                        java.util.Arrays.fill(dxp, 0);
                    }
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            int wi = off + (c * k + ki) * k + kj;
                            int shift = ki * d * pitch + kj * d;
                            if (dx != null) {
                                axpy(wt[wi], dyp, 0, dxp, shift, span);
                            }
                            if (in != null) {
                                t.weightGrad[wi] += dot(dyp, 0, in, shift, span);
                            }
                        }
                    }
                    if (dx != null) {
                        for (int r = 0; r < h; r++) {
                            axpy(1, dxp, (r + p) * pitch + p, dx, nc * x.plane() + r * w, w);
                        }
                    }
                }
            });
        });
        return y;
    }

    /** Copies an h×w plane into the centre of a zero plane with p pixels of border. */
    static double[] pad(double[] v, int from, int h, int w, int p, int size) {
        return pad(v, from, h, w, p, size, 0);
    }

    /** The same with the border set to {@code fill} (−∞ for max pooling). */
    static double[] pad(double[] v, int from, int h, int w, int p, int size, double fill) {
        double[] out = new double[size];
        if (fill != 0) {
            java.util.Arrays.fill(out, fill);
        }
        int pitch = w + 2 * p;
        for (int r = 0; r < h; r++) {
            System.arraycopy(v, from + r * w, out, (r + p) * pitch + p, w);
        }
        return out;
    }

    /** Dense k×k convolution {@code cin → cout} (the stem); weights at {@code off}. */
    static Tensor dense(Tape t, Tensor x, int off, int cout, int k, int s, int p) {
        int cin = x.c;
        int oh = outSize(x.h, k, s, p, 1);
        int ow = outSize(x.w, k, s, p, 1);
        Tensor y = x.sibling(x.n, cout, oh, ow);
        t.countMacs((long) y.v.length * cin * k * k);
        double[] wt = t.weights;
        t.parallel(x.n * cout, no -> {
            int n = no / cout;
            int o = no % cout;
            for (int i = 0; i < cin; i++) {
                for (int ki = 0; ki < k; ki++) {
                    for (int kj = 0; kj < k; kj++) {
                        tap(x.v, (n * cin + i) * x.plane(), x.h, x.w, y.v, no * y.plane(), oh, ow,
                                wt[off + ((o * cin + i) * k + ki) * k + kj], ki, kj, s, p, 1);
                    }
                }
            }
        });
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null) {
                return;
            }
            if (x.needsGrad) {
                double[] dx = x.grad();
                t.parallel(x.n * cin, ni -> {
                    int n = ni / cin;
                    int i = ni % cin;
                    for (int o = 0; o < cout; o++) {
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                tapTranspose(dx, ni * x.plane(), x.h, x.w, dy, (n * cout + o) * y.plane(), oh, ow,
                                        wt[off + ((o * cin + i) * k + ki) * k + kj], ki, kj, s, p, 1);
                            }
                        }
                    }
                });
            }
            if (t.wantsWeightGrad()) {
                t.parallel(cout, o -> {
                    for (int n = 0; n < x.n; n++) {
                        for (int i = 0; i < cin; i++) {
                            for (int ki = 0; ki < k; ki++) {
                                for (int kj = 0; kj < k; kj++) {
                                    t.weightGrad[off + ((o * cin + i) * k + ki) * k + kj] += tapDot(x.v,
                                            (n * cin + i) * x.plane(), x.h, x.w, dy, (n * cout + o) * y.plane(), oh, ow,
                                            ki, kj, s, p, 1);
                                }
                            }
                        }
                    }
                });
            }
        });
        return y;
    }

    /** Pointwise (1×1, stride 1) convolution {@code cin → cout}: per image, Y = W·X over the pixel planes. */
    static Tensor pointwise(Tape t, Tensor x, int off, int cout) {
        int cin = x.c;
        int plane = x.plane();
        Tensor y = x.sibling(x.n, cout, x.h, x.w);
        t.countMacs((long) y.v.length * cin);
        double[] wt = t.weights;
        t.parallel(x.n, n -> {
            for (int o = 0; o < cout; o++) {
                int yb = (n * cout + o) * plane;
                for (int i = 0; i < cin; i++) {
                    axpy(wt[off + o * cin + i], x.v, (n * cin + i) * plane, y.v, yb, plane);
                }
            }
        });
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null) {
                return;
            }
            if (x.needsGrad) {
                double[] dx = x.grad();
                t.parallel(x.n, n -> {
                    for (int i = 0; i < cin; i++) {
                        int xb = (n * cin + i) * plane;
                        for (int o = 0; o < cout; o++) {
                            axpy(wt[off + o * cin + i], dy, (n * cout + o) * plane, dx, xb, plane);
                        }
                    }
                });
            }
            if (t.wantsWeightGrad()) {
                t.parallel(cout, o -> {
                    for (int i = 0; i < cin; i++) {
                        double s = 0;
                        for (int n = 0; n < x.n; n++) {
                            s += dot(dy, (n * cout + o) * plane, x.v, (n * cin + i) * plane, plane);
                        }
                        t.weightGrad[off + o * cin + i] += s;
                    }
                });
            }
        });
        return y;
    }

    static void axpy(double a, double[] x, int xo, double[] y, int yo, int len) {
        for (int j = 0; j < len; j++) {
            y[yo + j] += a * x[xo + j];
        }
    }

    /** Dot product with four partial sums: the JIT does not vectorise a strict floating-point reduction. */
    static double dot(double[] a, int ao, double[] b, int bo, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 3 < len; j += 4) {
            s0 += a[ao + j] * b[bo + j];
            s1 += a[ao + j + 1] * b[bo + j + 1];
            s2 += a[ao + j + 2] * b[bo + j + 2];
            s3 += a[ao + j + 3] * b[bo + j + 3];
        }
        for (; j < len; j++) {
            s0 += a[ao + j] * b[bo + j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static int lo(int shift, int s) {
        return Math.max(0, -Math.floorDiv(shift, s));
    }

    private static int hi(int size, int shift, int s, int outSize) {
        return Math.min(outSize - 1, Math.floorDiv(size - 1 - shift, s));
    }

    private static void tap(double[] in, int io, int h, int w, double[] out, int oo, int oh, int ow, double wv,
                            int ki, int kj, int s, int p, int d) {
        int sy = ki * d - p;
        int sx = kj * d - p;
        int c0 = lo(sx, s);
        int c1 = hi(w, sx, s, ow);
        for (int r = lo(sy, s), r1 = hi(h, sy, s, oh); r <= r1; r++) {
            int ib = io + (r * s + sy) * w + sx;
            int ob = oo + r * ow;
            if (s == 1) {
                for (int c = c0; c <= c1; c++) {
                    out[ob + c] += wv * in[ib + c];
                }
            } else {
                for (int c = c0; c <= c1; c++) {
                    out[ob + c] += wv * in[ib + c * s];
                }
            }
        }
    }

    private static void tapTranspose(double[] din, int io, int h, int w, double[] dout, int oo, int oh, int ow,
                                     double wv, int ki, int kj, int s, int p, int d) {
        int sy = ki * d - p;
        int sx = kj * d - p;
        int c0 = lo(sx, s);
        int c1 = hi(w, sx, s, ow);
        for (int r = lo(sy, s), r1 = hi(h, sy, s, oh); r <= r1; r++) {
            int ib = io + (r * s + sy) * w + sx;
            int ob = oo + r * ow;
            if (s == 1) {
                for (int c = c0; c <= c1; c++) {
                    din[ib + c] += wv * dout[ob + c];
                }
            } else {
                for (int c = c0; c <= c1; c++) {
                    din[ib + c * s] += wv * dout[ob + c];
                }
            }
        }
    }

    private static double tapDot(double[] in, int io, int h, int w, double[] dout, int oo, int oh, int ow,
                                 int ki, int kj, int s, int p, int d) {
        int sy = ki * d - p;
        int sx = kj * d - p;
        int c0 = lo(sx, s);
        int c1 = hi(w, sx, s, ow);
        double acc = 0;
        for (int r = lo(sy, s), r1 = hi(h, sy, s, oh); r <= r1; r++) {
            int ib = io + (r * s + sy) * w + sx;
            int ob = oo + r * ow;
            if (s == 1) {
                acc += dot(dout, ob + c0, in, ib + c0, c1 - c0 + 1);
            } else {
                for (int c = c0; c <= c1; c++) {
                    acc += dout[ob + c] * in[ib + c * s];
                }
            }
        }
        return acc;
    }
}
