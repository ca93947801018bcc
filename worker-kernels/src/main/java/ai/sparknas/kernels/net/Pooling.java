package ai.sparknas.kernels.net;

/**
 * 3×3 pooling with padding 1: max (gradient to the arg-max) and average over the valid window only
 * (PyTorch {@code count_include_pad=False}).
 */
final class Pooling {

    private Pooling() {
    }

    static Tensor max(Tape t, Tensor x, int s) {
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
}
