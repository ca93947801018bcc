package ai.sparknas.kernels.net;

/**
 * 3×3 pooling with padding 1 and stride s: max (gradient to the first arg-max in window order; a NaN
 * propagates) and average over the valid window only (PyTorch {@code count_include_pad=False}).
 *
 * <p>Both work on planes padded by one pixel (−∞ for max, 0 for average) and keep results at the
 * padded row pitch, so each of the 9 window taps is one contiguous pass over {@code h·(w+2)} values:
 * the stride-1 result at span index {@code r·(w+2) + c} is the window whose top-left padded pixel is
 * (r, c). A stride-s output (r, c) is the stride-1 result at (r·s, c·s): the same window, read in the
 * same order, so both strides share one code path.
 */
final class Pooling {

    private Pooling() {
    }

    static Tensor max(Tape t, Tensor x, int s) {
        int oh = Convolution.outSize(x.h, 3, s, 1, 1);
        int ow = Convolution.outSize(x.w, 3, s, 1, 1);
        int pitch = x.w + 2;
        int span = x.h * pitch;
        int size = (x.h + 2) * pitch + 2; // the last taps read 2 values past the bottom border row
        Tensor y = x.toOverwrite(x.n, x.c, oh, ow);
        // where each output's maximum came from, as an index into x (every element is written below)
        int[] arg = x.pool() == null ? new int[y.v.length] : x.pool().takeInts(y.v.length);
        t.parallel(x.n * x.c, nc -> {
            int ib = nc * x.plane();
            double[] in = Convolution.pad(x.v, ib, x.h, x.w, 1, size, Double.NEGATIVE_INFINITY, 0);
            double[] best = Scratch.plane(1, span);
            double[] at = Scratch.plane(2, span);
            System.arraycopy(in, 0, best, 0, span);
            java.util.Arrays.fill(at, 0, span, 0);
            for (int k = 1; k < 9; k++) {
                Blas1.maxStep(in, k / 3 * pitch + k % 3, best, at, k, span);
            }
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    int j = r * s * pitch + c * s;
                    int k = (int) at[j];
                    int row = r * s + k / 3 - 1;
                    int col = c * s + k % 3 - 1;
                    if (row < 0 || row >= x.h || col < 0 || col >= x.w) {
                        row = r * s; // every value of the window is −∞ like the padding: the centre is a maximum
                        col = c * s;
                    }
                    int o = nc * y.plane() + r * ow + c;
                    y.v[o] = best[j];
                    arg[o] = ib + row * x.w + col;
                }
            }
        });
        t.digest(arg.length, o -> arg[o] + 1L);
        // J: output o copies input arg[o]
        return LocallyLinear.track(t, x, y, new LocallyLinear() {
            @Override
            public void jacobian(double[] in, double[] out) {
                t.parallel(x.n * x.c, nc -> {
                    for (int o = nc * y.plane(), end = o + y.plane(); o < end; o++) {
                        out[o] += in[arg[o]];
                    }
                });
            }

            @Override
            public void transpose(double[] dOut, double[] dIn) {
                t.parallel(x.n * x.c, nc -> {
                    for (int o = nc * y.plane(), end = o + y.plane(); o < end; o++) {
                        dIn[arg[o]] += dOut[o];
                    }
                });
            }
        });
    }

    static Tensor avg(Tape t, Tensor x, int s) {
        int oh = Convolution.outSize(x.h, 3, s, 1, 1);
        int ow = Convolution.outSize(x.w, 3, s, 1, 1);
        int pitch = x.w + 2;
        int span = x.h * pitch;
        int size = (x.h + 2) * pitch + 2;
        double[] inv = new double[oh * ow]; // 1 / (valid window size), the same for every plane
        for (int r = 0; r < oh; r++) {
            for (int c = 0; c < ow; c++) {
                int rows = Math.min(x.h - 1, r * s + 1) - Math.max(0, r * s - 1) + 1;
                int cols = Math.min(x.w - 1, c * s + 1) - Math.max(0, c * s - 1) + 1;
                inv[r * ow + c] = (double) 1 / (rows * cols);
            }
        }
        Tensor y = x.sibling(x.n, x.c, oh, ow); // zero: the Jacobian adds
        LocallyLinear op = new LocallyLinear() {
            @Override
            public void jacobian(double[] v, double[] out) {
                t.parallel(x.n * x.c, nc -> {
                    double[] in = Convolution.pad(v, nc * x.plane(), x.h, x.w, 1, size, 0, 0);
                    double[] sum = Scratch.plane(1, span);
                    java.util.Arrays.fill(sum, 0, span, 0);
                    for (int k = 0; k < 9; k++) {
                        Blas1.axpy(1, in, k / 3 * pitch + k % 3, sum, 0, span);
                    }
                    for (int r = 0; r < oh; r++) {
                        for (int c = 0; c < ow; c++) {
                            out[nc * y.plane() + r * ow + c] += sum[r * s * pitch + c * s] * inv[r * ow + c];
                        }
                    }
                });
            }

            @Override
            public void transpose(double[] dy, double[] dx) {
                t.parallel(x.n * x.c, nc -> {
                    // each output's share, placed at its window's span index, then spread by the 9 taps
                    double[] share = Scratch.plane(0, span);
                    double[] dxp = Scratch.plane(1, size);
                    java.util.Arrays.fill(share, 0, span, 0);
                    java.util.Arrays.fill(dxp, 0, size, 0);
                    for (int r = 0; r < oh; r++) {
                        for (int c = 0; c < ow; c++) {
                            share[r * s * pitch + c * s] = dy[nc * y.plane() + r * ow + c] * inv[r * ow + c];
                        }
                    }
                    for (int k = 0; k < 9; k++) {
                        Blas1.axpy(1, share, 0, dxp, k / 3 * pitch + k % 3, span);
                    }
                    for (int r = 0; r < x.h; r++) {
                        Blas1.axpy(1, dxp, (r + 1) * pitch + 1, dx, nc * x.plane() + r * x.w, x.w);
                    }
                });
            }
        };
        op.jacobian(x.v, y.v); // average pooling is linear: its forward is its Jacobian
        return LocallyLinear.track(t, x, y, op);
    }

    /**
     * k×k average pooling with stride s and no padding (the auxiliary head's {@code AvgPool2d(5, 3)},
     * where {@code count_include_pad} does not matter): every window is whole.
     */
    static Tensor avgWindow(Tape t, Tensor x, int k, int s) {
        int oh = Convolution.outSize(x.h, k, s, 0, 1);
        int ow = Convolution.outSize(x.w, k, s, 0, 1);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException(k + "x" + k + " pooling needs an input of at least " + k + "x" + k
                    + ", got " + x.h + "x" + x.w);
        }
        double inv = (double) 1 / (k * k);
        Tensor y = x.sibling(x.n, x.c, oh, ow); // zero: the Jacobian adds
        LocallyLinear op = new LocallyLinear() {
            @Override
            public void jacobian(double[] in, double[] out) {
                t.parallel(x.n * x.c, nc -> {
                    for (int r = 0; r < oh; r++) {
                        for (int c = 0; c < ow; c++) {
                            double sum = 0;
                            for (int i = 0; i < k; i++) {
                                sum += Blas1.sum(in, nc * x.plane() + (r * s + i) * x.w + c * s, k);
                            }
                            out[nc * y.plane() + r * ow + c] += sum * inv;
                        }
                    }
                });
            }

            @Override
            public void transpose(double[] dy, double[] dx) {
                t.parallel(x.n * x.c, nc -> {
                    for (int r = 0; r < oh; r++) {
                        for (int c = 0; c < ow; c++) {
                            double share = dy[nc * y.plane() + r * ow + c] * inv;
                            for (int i = 0; i < k; i++) {
                                for (int j = 0; j < k; j++) {
                                    dx[nc * x.plane() + (r * s + i) * x.w + c * s + j] += share;
                                }
                            }
                        }
                    }
                });
            }
        };
        op.jacobian(x.v, y.v);
        return LocallyLinear.track(t, x, y, op);
    }
}
