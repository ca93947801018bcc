package ai.sparknas.kernels.net;

/**
 * 3×3 pooling with padding 1: max (gradient to the arg-max) and average over the valid window only
 * (PyTorch {@code count_include_pad=False}).
 */
final class Pooling {

    private Pooling() {
    }

    static Tensor max(Tape t, Tensor x, int s) {
        if (s == 1) {
            return maxSame(t, x);
        }
        int oh = Convolution.outSize(x.h, 3, s, 1, 1);
        int ow = Convolution.outSize(x.w, 3, s, 1, 1);
        Tensor y = x.sibling(x.n, x.c, oh, ow);
        int[] arg = new int[y.v.length];
        t.parallel(x.n * x.c, nc -> {
            int ib = nc * x.plane();
            int ob = nc * y.plane();
            for (int r = 0; r < oh; r++) {
                for (int q = 0; q < ow; q++) {
                    double best = Double.NEGATIVE_INFINITY;
                    int at = -1;
                    for (int i = Math.max(0, r * s - 1); i <= Math.min(x.h - 1, r * s + 1); i++) {
                        for (int j = Math.max(0, q * s - 1); j <= Math.min(x.w - 1, q * s + 1); j++) {
                            double v = x.v[ib + i * x.w + j];
                            if (v > best || at < 0 || Double.isNaN(v)) { // NaN must propagate, not vanish
                                best = v;
                                at = ib + i * x.w + j;
                            }
                        }
                    }
                    y.v[ob + r * ow + q] = best;
                    arg[ob + r * ow + q] = at;
                }
            }
        });
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null || !x.needsGrad) {
                return;
            }
            double[] dx = x.grad();
            t.parallel(x.n * x.c, nc -> {
                for (int o = nc * y.plane(), end = o + y.plane(); o < end; o++) {
                    dx[arg[o]] += dy[o];
                }
            });
        });
        return y;
    }

    static Tensor avg(Tape t, Tensor x, int s) {
        if (s == 1) {
            return avgSame(t, x);
        }
        int oh = Convolution.outSize(x.h, 3, s, 1, 1);
        int ow = Convolution.outSize(x.w, 3, s, 1, 1);
        Tensor y = x.sibling(x.n, x.c, oh, ow);
        t.parallel(x.n * x.c, nc -> {
            int ib = nc * x.plane();
            int ob = nc * y.plane();
            for (int r = 0; r < oh; r++) {
                int i0 = Math.max(0, r * s - 1);
                int i1 = Math.min(x.h - 1, r * s + 1);
                for (int q = 0; q < ow; q++) {
                    int j0 = Math.max(0, q * s - 1);
                    int j1 = Math.min(x.w - 1, q * s + 1);
                    double sum = 0;
                    for (int i = i0; i <= i1; i++) {
                        for (int j = j0; j <= j1; j++) {
                            sum += x.v[ib + i * x.w + j];
                        }
                    }
                    y.v[ob + r * ow + q] = sum / ((i1 - i0 + 1) * (j1 - j0 + 1));
                }
            }
        });
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null || !x.needsGrad) {
                return;
            }
            double[] dx = x.grad();
            t.parallel(x.n * x.c, nc -> {
                int ib = nc * x.plane();
                int ob = nc * y.plane();
                for (int r = 0; r < oh; r++) {
                    int i0 = Math.max(0, r * s - 1);
                    int i1 = Math.min(x.h - 1, r * s + 1);
                    for (int q = 0; q < ow; q++) {
                        int j0 = Math.max(0, q * s - 1);
                        int j1 = Math.min(x.w - 1, q * s + 1);
                        double g = dy[ob + r * ow + q] / ((i1 - i0 + 1) * (j1 - j0 + 1));
                        for (int i = i0; i <= i1; i++) {
                            for (int j = j0; j <= j1; j++) {
                                dx[ib + i * x.w + j] += g;
                            }
                        }
                    }
                }
            });
        });
        return y;
    }

    /**
     * Stride-1 max pool on planes padded with −∞ (the layout of {@code Convolution.depthwiseSame}):
     * each of the 9 taps is one pass over a contiguous span; the first maximum in (ki, kj) order wins,
     * as in the windowed form, and a NaN propagates.
     */
    private static Tensor maxSame(Tape t, Tensor x) {
        int h = x.h;
        int w = x.w;
        int pitch = w + 2;
        int span = h * pitch;
        int size = (h + 2) * pitch + 2;
        Tensor y = x.like(true);
        int[] arg = new int[y.v.length];
        t.parallel(x.n * x.c, nc -> {
            double[] in = new double[size];
            java.util.Arrays.fill(in, Double.NEGATIVE_INFINITY);
            int ib = nc * x.plane();
            for (int r = 0; r < h; r++) {
                System.arraycopy(x.v, ib + r * w, in, (r + 1) * pitch + 1, w);
            }
            double[] best = new double[span];
            int[] tap = new int[span];
            System.arraycopy(in, 0, best, 0, span);
            for (int k = 1; k < 9; k++) {
                int shift = k / 3 * pitch + k % 3;
                for (int i = 0; i < span; i++) {
                    double v = in[shift + i];
                    if (v > best[i] || v != v) { // v != v: NaN propagates
                        best[i] = v;
                        tap[i] = k;
                    }
                }
            }
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    int o = ib + r * w + c;
                    int k = tap[r * pitch + c];
                    y.v[o] = best[r * pitch + c];
                    arg[o] = ib + (r + k / 3 - 1) * w + c + k % 3 - 1;
                }
            }
        });
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null || !x.needsGrad) {
                return;
            }
            double[] dx = x.grad();
            t.parallel(x.n * x.c, nc -> {
                for (int o = nc * y.plane(), end = o + y.plane(); o < end; o++) {
                    dx[arg[o]] += dy[o];
                }
            });
        });
        return y;
    }

    /**
     * Stride-1 average pool excluding the padding: the 9 taps summed over zero-padded planes, then
     * scaled by 1/(valid window size), which depends only on the position.
     */
    private static Tensor avgSame(Tape t, Tensor x) {
        int h = x.h;
        int w = x.w;
        int pitch = w + 2;
        int span = h * pitch;
        int size = (h + 2) * pitch + 2;
        double[] inv = new double[span];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int rows = Math.min(h - 1, r + 1) - Math.max(0, r - 1) + 1;
                int cols = Math.min(w - 1, c + 1) - Math.max(0, c - 1) + 1;
                inv[r * pitch + c] = (double) 1 / (rows * cols);
            }
        }
        Tensor y = x.like(true);
        t.parallel(x.n * x.c, nc -> {
            double[] in = new double[size];
            int ib = nc * x.plane();
            for (int r = 0; r < h; r++) {
                System.arraycopy(x.v, ib + r * w, in, (r + 1) * pitch + 1, w);
            }
            double[] sum = new double[span];
            for (int k = 0; k < 9; k++) {
                Convolution.axpy(1, in, k / 3 * pitch + k % 3, sum, 0, span);
            }
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    y.v[ib + r * w + c] = sum[r * pitch + c] * inv[r * pitch + c];
                }
            }
        });
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null || !x.needsGrad) {
                return;
            }
            double[] dx = x.grad();
            t.parallel(x.n * x.c, nc -> {
                int ib = nc * x.plane();
                double[] g = new double[span];
                for (int r = 0; r < h; r++) {
                    for (int c = 0; c < w; c++) {
                        g[r * pitch + c] = dy[ib + r * w + c] * inv[r * pitch + c];
                    }
                }
                double[] dxp = new double[size];
                for (int k = 0; k < 9; k++) {
                    Convolution.axpy(1, g, 0, dxp, k / 3 * pitch + k % 3, span);
                }
                for (int r = 0; r < h; r++) {
                    Convolution.axpy(1, dxp, (r + 1) * pitch + 1, dx, ib + r * w, w);
                }
            });
        });
        return y;
    }
}
