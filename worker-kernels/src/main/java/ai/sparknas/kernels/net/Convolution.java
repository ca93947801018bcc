package ai.sparknas.kernels.net;

/**
 * Convolutions without bias, forward and backward, on NCHW float64 tensors. Weights live in the
 * tape's flat vector in PyTorch layout: dense {@code [out, in, k, k]}, depthwise {@code [c, 1, k, k]},
 * pointwise {@code [out, in]}.
 *
 * <p>Every kernel is built from one "tap": {@code out[oh, ow] += wv · in[oh·s − p + ki·d, ow·s − p + kj·d]}
 * over the window where the input index is valid; its transpose gives ∂/∂in and its dot ∂/∂w.
 * Each kernel is a {@link Bilinear} (linear in the weights and in the input), which is what gives
 * every convolution its R-operator.
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
        if (s == 2) {
            return depthwiseStride2(t, x, off, k, p, d);
        }
        int oh = outSize(x.h, k, s, p, d);
        int ow = outSize(x.w, k, s, p, d);
        Tensor y = x.sibling(x.n, x.c, oh, ow); // zero: the taps accumulate
        t.countMacs((long) y.v.length * k * k);
        return Bilinear.run(t, x, y, new Bilinear() {
            @Override
            public void apply(double[] wt, double[] in, double[] out, boolean add) {
                t.parallel(x.n * x.c, nc -> {
                    int c = nc % x.c;
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            tap(in, nc * x.plane(), x.h, x.w, out, nc * y.plane(), oh, ow,
                                    wt[off + (c * k + ki) * k + kj], ki, kj, s, p, d);
                        }
                    }
                });
            }

            @Override
            public void transpose(double[] wt, double[] in, double[] dy, double[] dx, double[] dw) {
                if (dx == null && dw == null) {
                    return;
                }
                t.parallel(x.c, c -> {
                    for (int n = 0; n < x.n; n++) {
                        int nc = n * x.c + c;
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                int wi = off + (c * k + ki) * k + kj;
                                if (dx != null) {
                                    tapTranspose(dx, nc * x.plane(), x.h, x.w, dy, nc * y.plane(), oh, ow, wt[wi], ki, kj, s, p, d);
                                }
                                if (dw != null) {
                                    dw[wi] += tapDot(in, nc * x.plane(), x.h, x.w, dy, nc * y.plane(), oh, ow, ki, kj, s, p, d);
                                }
                            }
                        }
                    }
                });
            }
        });
    }

    /**
     * Stride-1 "same" depthwise convolution on zero-padded planes: with the input padded to
     * {@code (H+2p)×(W+2p)} and the output kept at the padded row pitch, every tap is ONE contiguous
     * run over {@code H·(W+2p)} values instead of H short rows ({@link Correlation}); the pitch's extra
     * columns are scratch that is dropped (forward) or zero (backward). The input gradient is the
     * same correlation of the output gradient with the taps' shifts negated, read from a copy with
     * a zero margin of the largest shift in front.
     */
    private static Tensor depthwiseSame(Tape t, Tensor x, int off, int k, int p, int d) {
        int h = x.h;
        int w = x.w;
        int pitch = w + 2 * p;
        int padded = (h + 2 * p) * pitch + 2 * p; // the last taps read 2p scratch values past the last row
        int span = h * pitch;
        int[] shift = new int[k * k];
        int[] back = new int[k * k];
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                shift[ki * k + kj] = ki * d * pitch + kj * d;
                back[ki * k + kj] = -shift[ki * k + kj];
            }
        }
        int margin = shift[k * k - 1]; // = 2·(p·pitch + p): the interior starts half-way into it
        Tensor y = x.toOverwrite(x.n, x.c, h, w);
        t.countMacs((long) y.v.length * k * k);
        return Bilinear.run(t, x, y, new Bilinear() {
            @Override
            public void apply(double[] wt, double[] v, double[] yv, boolean add) {
                t.parallel(x.n * x.c, nc -> {
                    int c = nc % x.c;
                    double[] in = pad(v, nc * x.plane(), h, w, p, padded, 0, 0);
                    double[] out = Scratch.plane(1, span);
                    java.util.Arrays.fill(out, 0, span, 0);
                    Correlation.accumulate(wt, off + c * k * k, shift, in, 0, out, 0, span);
                    copyRows(out, 0, pitch, yv, nc * y.plane(), w, h, w, add);
                });
            }

            @Override
            public void transpose(double[] wt, double[] v, double[] dy, double[] dx, double[] dw) {
                if (dx == null && dw == null) {
                    return;
                }
                int image = margin + padded;
                t.parallel(x.c, c -> {
                    // dy at the padded pitch after a zero margin; the pitch's extra columns stay zero below.
                    // For ∂w every image's is kept, so that ∂w is one reduction over the batch; ∂x alone reuses one.
                    double[] in = dw != null ? Scratch.plane(3, x.n * padded) : null;
                    int images = in != null ? x.n : 1;
                    double[] dyp = Scratch.plane(1, images * image);
                    double[] dxp = Scratch.plane(2, span);
                    java.util.Arrays.fill(dyp, 0, images * image, 0);
                    for (int n = 0; n < x.n; n++) {
                        int nc = n * x.c + c;
                        int at = n % images * image;
                        copyRows(dy, nc * y.plane(), w, dyp, at + margin, pitch, h, w, false);
                        if (dx != null) { // ∂x at padded (r + p, col + p), kept at span index r·pitch + col
                            java.util.Arrays.fill(dxp, 0, span, 0);
                            Correlation.accumulate(wt, off + c * k * k, back, dyp, at + margin + margin / 2, dxp, 0, span);
                            for (int r = 0; r < h; r++) {
                                Blas1.axpy(1, dxp, r * pitch, dx, nc * x.plane() + r * w, w);
                            }
                        }
                        if (in != null) {
                            padInto(v, nc * x.plane(), h, w, p, in, n * padded, padded, 0);
                        }
                    }
                    if (in != null) {
                        Correlation.dots(dyp, margin, image, shift, in, 0, padded, x.n, span, dw, off + c * k * k);
                    }
                });
            }
        });
    }

    /**
     * Stride-2 depthwise convolution on the four phases of the zero-padded input: phase (a, b) holds
     * padded pixels (2i + a, 2j + b), so tap (ki, kj) reads phase ((ki·d) mod 2, (kj·d) mod 2) shifted
     * by ((ki·d) div 2, (kj·d) div 2), and each tap is again ONE contiguous axpy (or dot) over the output
     * kept at the phase pitch. Same products per output as the direct form, without its strided
     * scalar loads.
     */
    private static Tensor depthwiseStride2(Tape t, Tensor x, int off, int k, int p, int d) {
        int oh = outSize(x.h, k, 2, p, d);
        int ow = outSize(x.w, k, 2, p, d);
        int pitch = (x.w + 2 * p + 1) / 2;
        int reach = (k - 1) * d / 2;
        int phaseSize = (oh + reach + 1) * pitch; // every tap's read of the span stays inside
        int span = oh * pitch;
        Tensor y = x.toOverwrite(x.n, x.c, oh, ow);
        t.countMacs((long) y.v.length * k * k);
        return Bilinear.run(t, x, y, new Bilinear() {
            @Override
            public void apply(double[] wt, double[] v, double[] yv, boolean add) {
                t.parallel(x.n * x.c, nc -> {
                    int c = nc % x.c;
                    double[][] phases = phases(v, nc * x.plane(), x.h, x.w, p, pitch, phaseSize);
                    double[] out = Scratch.plane(4, span);
                    java.util.Arrays.fill(out, 0, span, 0);
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            Blas1.axpy(wt[off + (c * k + ki) * k + kj], phases[ki * d % 2 * 2 + kj * d % 2],
                                    ki * d / 2 * pitch + kj * d / 2, out, 0, span);
                        }
                    }
                    copyRows(out, 0, pitch, yv, nc * y.plane(), ow, oh, ow, add);
                });
            }

            @Override
            public void transpose(double[] wt, double[] v, double[] dy, double[] dx, double[] dw) {
                if (dx == null && dw == null) {
                    return;
                }
                t.parallel(x.c, c -> {
                    double[] dyp = Scratch.plane(4, span);
                    java.util.Arrays.fill(dyp, 0, span, 0); // the pitch's extra columns stay zero below
                    double[][] dxPhases = new double[4][];
                    for (int n = 0; n < x.n; n++) {
                        int nc = n * x.c + c;
                        copyRows(dy, nc * y.plane(), ow, dyp, 0, pitch, oh, ow, false);
                        double[][] phases = dw != null ? phases(v, nc * x.plane(), x.h, x.w, p, pitch, phaseSize) : null;
                        if (dx != null) {
                            for (int q = 0; q < 4; q++) {
                                dxPhases[q] = Scratch.plane(5 + q, phaseSize);
                                java.util.Arrays.fill(dxPhases[q], 0, phaseSize, 0);
                            }
                        }
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                int wi = off + (c * k + ki) * k + kj;
                                int q = ki * d % 2 * 2 + kj * d % 2;
                                int sh = ki * d / 2 * pitch + kj * d / 2;
                                if (dx != null) {
                                    Blas1.axpy(wt[wi], dyp, 0, dxPhases[q], sh, span);
                                }
                                if (phases != null) {
                                    dw[wi] += Blas1.dot(dyp, 0, phases[q], sh, span);
                                }
                            }
                        }
                        if (dx != null) {
                            unphase(dxPhases, dx, nc * x.plane(), x.h, x.w, p, pitch, phaseSize);
                        }
                    }
                });
            }
        });
    }

    /** The four stride-2 phases of the h×w plane at {@code from} of v, zero-padded by p, in scratch slots 0–3. */
    private static double[][] phases(double[] v, int from, int h, int w, int p, int pitch, int size) {
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                double[] ph = Scratch.plane(a * 2 + b, size);
                int j0 = firstInside(b, p);
                int j1 = Math.min(pitch, lastInside(b, p, w) + 1);
                for (int i = 0, at = 0; at < size; i++, at += pitch) {
                    int r = 2 * i + a - p;
                    if (r < 0 || r >= h) {
                        java.util.Arrays.fill(ph, at, at + pitch, 0);
                        continue;
                    }
                    java.util.Arrays.fill(ph, at, at + j0, 0);
                    for (int j = j0, src = from + r * w + 2 * j0 + b - p; j < j1; j++, src += 2) {
                        ph[at + j] = v[src];
                    }
                    java.util.Arrays.fill(ph, at + j1, at + pitch, 0);
                }
            }
        }
        return Scratch.slots(); // phase q is slot q
    }

    /** Adds the four phases' pixels that lie inside the h×w plane back into {@code dx} at {@code from}. */
    private static void unphase(double[][] q, double[] dx, int from, int h, int w, int p, int pitch, int size) {
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                double[] ph = q[a * 2 + b];
                int j0 = firstInside(b, p);
                int j1 = Math.min(pitch, lastInside(b, p, w) + 1);
                for (int i = 0, at = 0; at < size; i++, at += pitch) {
                    int r = 2 * i + a - p;
                    if (r < 0 || r >= h) {
                        continue;
                    }
                    for (int j = j0, dst = from + r * w + 2 * j0 + b - p; j < j1; j++, dst += 2) {
                        dx[dst] += ph[at + j];
                    }
                }
            }
        }
    }

    /** The first phase column j whose pixel column {@code 2j + b − p} is ≥ 0. */
    private static int firstInside(int b, int p) {
        return Math.max(0, (p - b + 1) / 2);
    }

    /** The last phase column j whose pixel column {@code 2j + b − p} is < w. */
    private static int lastInside(int b, int p, int w) {
        return Math.floorDiv(w - 1 + p - b, 2);
    }

    /** Copies (or with {@code add}, adds) {@code rows} rows of {@code cols} values between planes of different row pitches. */
    private static void copyRows(double[] src, int srcOff, int srcPitch, double[] dst, int dstOff, int dstPitch,
                                 int rows, int cols, boolean add) {
        for (int r = 0; r < rows; r++) {
            if (add) {
                Blas1.axpy(1, src, srcOff + r * srcPitch, dst, dstOff + r * dstPitch, cols);
            } else {
                System.arraycopy(src, srcOff + r * srcPitch, dst, dstOff + r * dstPitch, cols);
            }
        }
    }

    /**
     * Copies an h×w plane into the centre of scratch slot {@code slot}, {@code size} values long with
     * p pixels of border set to {@code fill} (0, or −∞ for max pooling); every value is written.
     */
    static double[] pad(double[] v, int from, int h, int w, int p, int size, double fill, int slot) {
        double[] out = Scratch.plane(slot, size);
        padInto(v, from, h, w, p, out, 0, size, fill);
        return out;
    }

    /** {@link #pad} into {@code out} from {@code to} on. */
    private static void padInto(double[] v, int from, int h, int w, int p, double[] out, int to, int size, double fill) {
        int pitch = w + 2 * p;
        java.util.Arrays.fill(out, to, to + p * pitch + p, fill); // top rows and the first row's left border
        for (int r = 0; r < h; r++) {
            int at = to + (r + p) * pitch + p;
            System.arraycopy(v, from + r * w, out, at, w);
            for (int q = at + w, end = at + w + 2 * p; q < end; q++) { // right border, next row's left border
                out[q] = fill;
            }
        }
        java.util.Arrays.fill(out, to + (h + p) * pitch + p, to + size, fill);
    }

    /** Dense k×k convolution {@code cin → cout} (the stem); weights at {@code off}. */
    static Tensor dense(Tape t, Tensor x, int off, int cout, int k, int s, int p) {
        int cin = x.c;
        int oh = outSize(x.h, k, s, p, 1);
        int ow = outSize(x.w, k, s, p, 1);
        Tensor y = x.sibling(x.n, cout, oh, ow); // zero: the taps accumulate
        t.countMacs((long) y.v.length * cin * k * k);
        return Bilinear.run(t, x, y, new Bilinear() {
            @Override
            public void apply(double[] wt, double[] in, double[] out, boolean add) {
                t.parallel(x.n * cout, no -> {
                    int n = no / cout;
                    int o = no % cout;
                    for (int i = 0; i < cin; i++) {
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                tap(in, (n * cin + i) * x.plane(), x.h, x.w, out, no * y.plane(), oh, ow,
                                        wt[off + ((o * cin + i) * k + ki) * k + kj], ki, kj, s, p, 1);
                            }
                        }
                    }
                });
            }

            @Override
            public void transpose(double[] wt, double[] in, double[] dy, double[] dx, double[] dw) {
                if (dx != null) {
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
                if (dw != null) {
                    t.parallel(cout, o -> {
                        for (int n = 0; n < x.n; n++) {
                            for (int i = 0; i < cin; i++) {
                                for (int ki = 0; ki < k; ki++) {
                                    for (int kj = 0; kj < k; kj++) {
                                        dw[off + ((o * cin + i) * k + ki) * k + kj] += tapDot(in,
                                                (n * cin + i) * x.plane(), x.h, x.w, dy, (n * cout + o) * y.plane(), oh, ow,
                                                ki, kj, s, p, 1);
                                    }
                                }
                            }
                        }
                    });
                }
            }
        });
    }

    /** Pointwise (1×1, stride 1) convolution {@code cin → cout}: per image, Y = W·X over the pixel planes. */
    static Tensor pointwise(Tape t, Tensor x, int off, int cout) {
        int cin = x.c;
        int plane = x.plane();
        Tensor y = x.sibling(x.n, cout, x.h, x.w); // zero: the product accumulates
        t.countMacs((long) y.v.length * cin);
        return Bilinear.run(t, x, y, new Bilinear() {
            @Override
            public void apply(double[] wt, double[] in, double[] out, boolean add) {
                t.parallel(x.n, n -> Gemm.accumulate(wt, off, cin, 1, cout, cin, in, n * cin * plane, plane,
                        out, n * cout * plane, plane, plane));
            }

            @Override
            public void transpose(double[] wt, double[] in, double[] dy, double[] dx, double[] dw) {
                if (dx != null) {
                    t.parallel(x.n, n -> Gemm.accumulate(wt, off, 1, cin, cin, cout, dy, n * cout * plane, plane,
                            dx, n * cin * plane, plane, plane));
                }
                if (dw != null) {
                    // ∂W(o, i) = Σ_n ⟨∂y(n, o), x(n, i)⟩, one reduction over the batch; rows of W split across the team
                    int rowsPerChunk = 2;
                    t.parallel((cout + rowsPerChunk - 1) / rowsPerChunk, chunk -> {
                        int o0 = chunk * rowsPerChunk;
                        int rows = Math.min(rowsPerChunk, cout - o0);
                        Gemm.dots(dy, o0 * plane, plane, cout * plane, rows, in, 0, plane, cin * plane, cin, x.n, plane,
                                dw, off + o0 * cin, cin, 1);
                    });
                }
            }
        });
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
                Blas1.axpy(wv, in, ib + c0, out, ob + c0, c1 - c0 + 1);
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
                Blas1.axpy(wv, dout, ob + c0, din, ib + c0, c1 - c0 + 1);
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
                acc += Blas1.dot(dout, ob + c0, in, ib + c0, c1 - c0 + 1);
            } else {
                for (int c = c0; c <= c1; c++) {
                    acc += dout[ob + c] * in[ib + c * s];
                }
            }
        }
        return acc;
    }
}
