package ai.sparknas.kernels.net;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/** {@link Gemm} on the Vector API (same arithmetic, same order per element). */
final class GemmVector {

    private static final VectorSpecies<Double> S = Blas1.VECTOR_BITS == 512 ? DoubleVector.SPECIES_512
            : DoubleVector.SPECIES_256;
    private static final int L = Blas1.LANES;

    private GemmVector() {
    }

    static void accumulate(double[] a, int aOff, int rowStride, int colStride, int rows, int k,
                           double[] x, int xOff, int xPitch, double[] y, int yOff, int yPitch, int len) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            fourRows(a, aOff + r * rowStride, rowStride, colStride, k, x, xOff, xPitch, y, yOff + r * yPitch, yPitch, len);
        }
        for (; r < rows; r++) {
            oneRow(a, aOff + r * rowStride, colStride, k, x, xOff, xPitch, y, yOff + r * yPitch, len);
        }
    }

    private static void fourRows(double[] a, int aOff, int rs, int cs, int k, double[] x, int xOff, int xPitch,
                                 double[] y, int yOff, int yPitch, int len) {
        int y0 = yOff;
        int y1 = yOff + yPitch;
        int y2 = yOff + 2 * yPitch;
        int y3 = yOff + 3 * yPitch;
        int j = 0;
        for (; j + 2 * L <= len; j += 2 * L) {
            DoubleVector c00 = DoubleVector.fromArray(S, y, y0 + j);
            DoubleVector c01 = DoubleVector.fromArray(S, y, y0 + j + L);
            DoubleVector c10 = DoubleVector.fromArray(S, y, y1 + j);
            DoubleVector c11 = DoubleVector.fromArray(S, y, y1 + j + L);
            DoubleVector c20 = DoubleVector.fromArray(S, y, y2 + j);
            DoubleVector c21 = DoubleVector.fromArray(S, y, y2 + j + L);
            DoubleVector c30 = DoubleVector.fromArray(S, y, y3 + j);
            DoubleVector c31 = DoubleVector.fromArray(S, y, y3 + j + L);
            for (int i = 0; i < k; i++) {
                int xi = xOff + i * xPitch + j;
                DoubleVector x0 = DoubleVector.fromArray(S, x, xi);
                DoubleVector x1 = DoubleVector.fromArray(S, x, xi + L);
                int ai = aOff + i * cs;
                DoubleVector w = DoubleVector.broadcast(S, a[ai]);
                c00 = x0.fma(w, c00);
                c01 = x1.fma(w, c01);
                w = DoubleVector.broadcast(S, a[ai + rs]);
                c10 = x0.fma(w, c10);
                c11 = x1.fma(w, c11);
                w = DoubleVector.broadcast(S, a[ai + 2 * rs]);
                c20 = x0.fma(w, c20);
                c21 = x1.fma(w, c21);
                w = DoubleVector.broadcast(S, a[ai + 3 * rs]);
                c30 = x0.fma(w, c30);
                c31 = x1.fma(w, c31);
            }
            c00.intoArray(y, y0 + j);
            c01.intoArray(y, y0 + j + L);
            c10.intoArray(y, y1 + j);
            c11.intoArray(y, y1 + j + L);
            c20.intoArray(y, y2 + j);
            c21.intoArray(y, y2 + j + L);
            c30.intoArray(y, y3 + j);
            c31.intoArray(y, y3 + j + L);
        }
        if (j < len) { // the last columns, one row at a time
            for (int q = 0; q < 4; q++) {
                oneRowFrom(a, aOff + q * rs, cs, k, x, xOff, xPitch, y, yOff + q * yPitch, j, len);
            }
        }
    }

    private static void oneRow(double[] a, int aOff, int cs, int k, double[] x, int xOff, int xPitch,
                               double[] y, int yOff, int len) {
        oneRowFrom(a, aOff, cs, k, x, xOff, xPitch, y, yOff, 0, len);
    }

    private static void oneRowFrom(double[] a, int aOff, int cs, int k, double[] x, int xOff, int xPitch,
                                   double[] y, int yOff, int from, int len) {
        int j = from;
        for (; j + L <= len; j += L) {
            DoubleVector c = DoubleVector.fromArray(S, y, yOff + j);
            for (int i = 0; i < k; i++) {
                c = DoubleVector.fromArray(S, x, xOff + i * xPitch + j).fma(DoubleVector.broadcast(S, a[aOff + i * cs]), c);
            }
            c.intoArray(y, yOff + j);
        }
        if (j < len && len >= L) { // the last whole vector, storing only its fresh lanes (Blas1Vector.fresh)
            int at = len - L;
            DoubleVector old = DoubleVector.fromArray(S, y, yOff + at);
            DoubleVector c = old;
            for (int i = 0; i < k; i++) {
                c = DoubleVector.fromArray(S, x, xOff + i * xPitch + at).fma(DoubleVector.broadcast(S, a[aOff + i * cs]), c);
            }
            old.blend(c, Blas1Vector.fresh(len - j)).intoArray(y, yOff + at);
            return;
        }
        for (; j < len; j++) {
            double c = y[yOff + j];
            for (int i = 0; i < k; i++) {
                c = Math.fma(a[aOff + i * cs], x[xOff + i * xPitch + j], c);
            }
            y[yOff + j] = c;
        }
    }

    /** Blocks of 2 rows of A × 4 rows of B: 8 dots side by side over every image, each vector of A and B loaded once. */
    static void dots(double[] a, int aOff, int aPitch, int aImage, int rowsA, double[] b, int bOff, int bPitch,
                     int bImage, int rowsB, int images, int len, double[] out, int outOff, int outRow, int outCol) {
        int body = S.loopBound(len);
        double[] lanes = new double[8 * L]; // the 8 accumulators, stored for their lane sums (Blas1Vector.finish)
        int r = 0;
        for (; r + 2 <= rowsA; r += 2) {
            int a0 = aOff + r * aPitch;
            int a1 = a0 + aPitch;
            int c = 0;
            for (; c + 4 <= rowsB; c += 4) {
                int b0 = bOff + c * bPitch;
                int b1 = b0 + bPitch;
                int b2 = b1 + bPitch;
                int b3 = b2 + bPitch;
                DoubleVector s00 = DoubleVector.zero(S);
                DoubleVector s01 = DoubleVector.zero(S);
                DoubleVector s02 = DoubleVector.zero(S);
                DoubleVector s03 = DoubleVector.zero(S);
                DoubleVector s10 = DoubleVector.zero(S);
                DoubleVector s11 = DoubleVector.zero(S);
                DoubleVector s12 = DoubleVector.zero(S);
                DoubleVector s13 = DoubleVector.zero(S);
                // one loop over images × vectors (see Blas1Vector: no vectors across a nested loop's header)
                for (int q = 0, steps = images * (body / L), an = 0, bn = 0, j = 0; q < steps; q++) {
                    DoubleVector x0 = DoubleVector.fromArray(S, a, a0 + an + j);
                    DoubleVector x1 = DoubleVector.fromArray(S, a, a1 + an + j);
                    DoubleVector y = DoubleVector.fromArray(S, b, b0 + bn + j);
                    s00 = x0.fma(y, s00);
                    s10 = x1.fma(y, s10);
                    y = DoubleVector.fromArray(S, b, b1 + bn + j);
                    s01 = x0.fma(y, s01);
                    s11 = x1.fma(y, s11);
                    y = DoubleVector.fromArray(S, b, b2 + bn + j);
                    s02 = x0.fma(y, s02);
                    s12 = x1.fma(y, s12);
                    y = DoubleVector.fromArray(S, b, b3 + bn + j);
                    s03 = x0.fma(y, s03);
                    s13 = x1.fma(y, s13);
                    j += L;
                    if (j == body) {
                        j = 0;
                        an += aImage;
                        bn += bImage;
                    }
                }
                if (len > body && len >= L) { // every image's last whole vector, masked (Blas1.TAIL_MASK)
                    DoubleVector m = DoubleVector.fromArray(S, Blas1.TAIL_MASK[len - body], 0);
                    for (int n = 0, an = len - L, bn = len - L; n < images; n++, an += aImage, bn += bImage) {
                        DoubleVector x0 = DoubleVector.fromArray(S, a, a0 + an).mul(m);
                        DoubleVector x1 = DoubleVector.fromArray(S, a, a1 + an).mul(m);
                        DoubleVector y = DoubleVector.fromArray(S, b, b0 + bn);
                        s00 = x0.fma(y, s00);
                        s10 = x1.fma(y, s10);
                        y = DoubleVector.fromArray(S, b, b1 + bn);
                        s01 = x0.fma(y, s01);
                        s11 = x1.fma(y, s11);
                        y = DoubleVector.fromArray(S, b, b2 + bn);
                        s02 = x0.fma(y, s02);
                        s12 = x1.fma(y, s12);
                        y = DoubleVector.fromArray(S, b, b3 + bn);
                        s03 = x0.fma(y, s03);
                        s13 = x1.fma(y, s13);
                    }
                }
                s00.intoArray(lanes, 0);
                s01.intoArray(lanes, L);
                s02.intoArray(lanes, 2 * L);
                s03.intoArray(lanes, 3 * L);
                s10.intoArray(lanes, 4 * L);
                s11.intoArray(lanes, 5 * L);
                s12.intoArray(lanes, 6 * L);
                s13.intoArray(lanes, 7 * L);
                int o0 = outOff + r * outRow + c * outCol;
                int o1 = o0 + outRow;
                out[o0] += Blas1Vector.finish(lanes, 0 * L, a, a0, aImage, b, b0, bImage, images, len);
                out[o0 + outCol] += Blas1Vector.finish(lanes, 1 * L, a, a0, aImage, b, b1, bImage, images, len);
                out[o0 + 2 * outCol] += Blas1Vector.finish(lanes, 2 * L, a, a0, aImage, b, b2, bImage, images, len);
                out[o0 + 3 * outCol] += Blas1Vector.finish(lanes, 3 * L, a, a0, aImage, b, b3, bImage, images, len);
                out[o1] += Blas1Vector.finish(lanes, 4 * L, a, a1, aImage, b, b0, bImage, images, len);
                out[o1 + outCol] += Blas1Vector.finish(lanes, 5 * L, a, a1, aImage, b, b1, bImage, images, len);
                out[o1 + 2 * outCol] += Blas1Vector.finish(lanes, 6 * L, a, a1, aImage, b, b2, bImage, images, len);
                out[o1 + 3 * outCol] += Blas1Vector.finish(lanes, 7 * L, a, a1, aImage, b, b3, bImage, images, len);
            }
            for (; c < rowsB; c++) {
                for (int q = r; q < r + 2; q++) {
                    out[outOff + q * outRow + c * outCol] += Blas1Vector.dotOneAccumulator(a, aOff + q * aPitch, aImage,
                            b, bOff + c * bPitch, bImage, images, len);
                }
            }
        }
        for (; r < rowsA; r++) {
            for (int c = 0; c < rowsB; c++) {
                out[outOff + r * outRow + c * outCol] += Blas1Vector.dotOneAccumulator(a, aOff + r * aPitch, aImage,
                        b, bOff + c * bPitch, bImage, images, len);
            }
        }
    }
}
