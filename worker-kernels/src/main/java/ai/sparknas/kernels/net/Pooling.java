package ai.sparknas.kernels.net;

/**
 * 3×3 pooling with padding 1 and stride s: max (gradient to the first arg-max in window order; a NaN
 * propagates) and average over the valid window only (PyTorch {@code count_include_pad=False}).
 * Both read planes padded by one pixel (−∞ for max, 0 for average), so the window needs no bounds
 * checks: output (r, c) reads {@code in[(r·s + ki)·(w+2) + c·s + kj]}.
 */
final class Pooling {

    private Pooling() {
    }

    static Tensor max(Tape t, Tensor x, int s) {
        int oh = Convolution.outSize(x.h, 3, s, 1, 1);
        int ow = Convolution.outSize(x.w, 3, s, 1, 1);
        int pitch = x.w + 2;
        int size = (x.h + 2) * pitch;
        Tensor y = x.sibling(x.n, x.c, oh, ow);
        int[] arg = new int[y.v.length];
        t.parallel(x.n * x.c, nc -> {
            int ib = nc * x.plane();
            double[] in = Convolution.pad(x.v, ib, x.h, x.w, 1, size, Double.NEGATIVE_INFINITY);
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    int base = r * s * pitch + c * s;
                    double best = in[base];
                    int at = 0;
                    for (int k = 1; k < 9; k++) {
                        double v = in[base + k / 3 * pitch + k % 3];
                        if (v > best || v != v) { // v != v: a NaN propagates instead of vanishing
                            best = v;
                            at = k;
                        }
                    }
                    int o = nc * y.plane() + r * ow + c;
                    y.v[o] = best;
                    arg[o] = ib + (r * s + at / 3 - 1) * x.w + c * s + at % 3 - 1;
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
        int oh = Convolution.outSize(x.h, 3, s, 1, 1);
        int ow = Convolution.outSize(x.w, 3, s, 1, 1);
        int pitch = x.w + 2;
        int size = (x.h + 2) * pitch;
        double[] inv = new double[oh * ow]; // 1 / (valid window size), the same for every plane
        for (int r = 0; r < oh; r++) {
            for (int c = 0; c < ow; c++) {
                int rows = Math.min(x.h - 1, r * s + 1) - Math.max(0, r * s - 1) + 1;
                int cols = Math.min(x.w - 1, c * s + 1) - Math.max(0, c * s - 1) + 1;
                inv[r * ow + c] = (double) 1 / (rows * cols);
            }
        }
        Tensor y = x.sibling(x.n, x.c, oh, ow);
        t.parallel(x.n * x.c, nc -> {
            double[] in = Convolution.pad(x.v, nc * x.plane(), x.h, x.w, 1, size);
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    int base = r * s * pitch + c * s;
                    double sum = 0;
                    for (int k = 0; k < 9; k++) {
                        sum += in[base + k / 3 * pitch + k % 3];
                    }
                    y.v[nc * y.plane() + r * ow + c] = sum * inv[r * ow + c];
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
                double[] dxp = new double[size];
                for (int r = 0; r < oh; r++) {
                    for (int c = 0; c < ow; c++) {
                        int base = r * s * pitch + c * s;
                        double g = dy[nc * y.plane() + r * ow + c] * inv[r * ow + c];
                        for (int k = 0; k < 9; k++) {
                            dxp[base + k / 3 * pitch + k % 3] += g;
                        }
                    }
                }
                for (int r = 0; r < x.h; r++) {
                    Convolution.axpy(1, dxp, (r + 1) * pitch + 1, dx, nc * x.plane() + r * x.w, x.w);
                }
            });
        });
        return y;
    }
}
