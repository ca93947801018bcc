package ai.sparknas.kernels.net;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/** {@link Correlation} on the Vector API (same arithmetic, same order per element). */
final class CorrelationVector {

    private static final VectorSpecies<Double> S = Blas1.VECTOR_BITS == 512 ? DoubleVector.SPECIES_512
            : DoubleVector.SPECIES_256;
    private static final int L = Blas1.LANES;

    private CorrelationVector() {
    }

    /** Blocks of 4 vectors: each tap's multiply-add waits on the previous one, so 4 chains run side by side. */
    static void accumulate(double[] a, int aOff, int[] shift, double[] in, int inOff, double[] out, int outOff, int len) {
        int taps = shift.length;
        int j = 0;
        for (; j + 4 * L <= len; j += 4 * L) {
            int o = outOff + j;
            DoubleVector c0 = DoubleVector.fromArray(S, out, o);
            DoubleVector c1 = DoubleVector.fromArray(S, out, o + L);
            DoubleVector c2 = DoubleVector.fromArray(S, out, o + 2 * L);
            DoubleVector c3 = DoubleVector.fromArray(S, out, o + 3 * L);
            for (int t = 0; t < taps; t++) {
                DoubleVector w = DoubleVector.broadcast(S, a[aOff + t]);
                int at = inOff + shift[t] + j;
                c0 = DoubleVector.fromArray(S, in, at).fma(w, c0);
                c1 = DoubleVector.fromArray(S, in, at + L).fma(w, c1);
                c2 = DoubleVector.fromArray(S, in, at + 2 * L).fma(w, c2);
                c3 = DoubleVector.fromArray(S, in, at + 3 * L).fma(w, c3);
            }
            c0.intoArray(out, o);
            c1.intoArray(out, o + L);
            c2.intoArray(out, o + 2 * L);
            c3.intoArray(out, o + 3 * L);
        }
        for (; j + L <= len; j += L) {
            DoubleVector c = DoubleVector.fromArray(S, out, outOff + j);
            for (int t = 0; t < taps; t++) {
                c = DoubleVector.fromArray(S, in, inOff + shift[t] + j).fma(DoubleVector.broadcast(S, a[aOff + t]), c);
            }
            c.intoArray(out, outOff + j);
        }
        if (j < len && len >= L) { // the last whole vector, storing only its fresh lanes (Blas1Vector.fresh)
            int at = len - L;
            DoubleVector old = DoubleVector.fromArray(S, out, outOff + at);
            DoubleVector c = old;
            for (int t = 0; t < taps; t++) {
                c = DoubleVector.fromArray(S, in, inOff + shift[t] + at).fma(DoubleVector.broadcast(S, a[aOff + t]), c);
            }
            old.blend(c, Blas1Vector.fresh(len - j)).intoArray(out, outOff + at);
            return;
        }
        for (; j < len; j++) {
            double c = out[outOff + j];
            for (int t = 0; t < taps; t++) {
                c = Math.fma(a[aOff + t], in[inOff + shift[t] + j], c);
            }
            out[outOff + j] = c;
        }
    }

    /** Taps in groups of 4 over every image: each vector of a is loaded once for 4 dots. */
    static void dots(double[] a, int aOff, int aImage, int[] shift, double[] in, int inOff, int inImage, int images,
                     int len, double[] out, int outOff) {
        int taps = shift.length;
        int body = S.loopBound(len);
        double[] lanes = new double[4 * L]; // the 4 accumulators, stored for their lane sums (Blas1Vector.finish)
        int t = 0;
        for (; t + 4 <= taps; t += 4) {
            int i0 = inOff + shift[t];
            int i1 = inOff + shift[t + 1];
            int i2 = inOff + shift[t + 2];
            int i3 = inOff + shift[t + 3];
            DoubleVector s0 = DoubleVector.zero(S);
            DoubleVector s1 = DoubleVector.zero(S);
            DoubleVector s2 = DoubleVector.zero(S);
            DoubleVector s3 = DoubleVector.zero(S);
            // one loop over images × vectors (see Blas1Vector: no vectors across a nested loop's header)
            for (int q = 0, steps = images * (body / L), an = aOff, in0 = 0, j = 0; q < steps; q++) {
                DoubleVector x = DoubleVector.fromArray(S, a, an + j);
                s0 = x.fma(DoubleVector.fromArray(S, in, i0 + in0 + j), s0);
                s1 = x.fma(DoubleVector.fromArray(S, in, i1 + in0 + j), s1);
                s2 = x.fma(DoubleVector.fromArray(S, in, i2 + in0 + j), s2);
                s3 = x.fma(DoubleVector.fromArray(S, in, i3 + in0 + j), s3);
                j += L;
                if (j == body) {
                    j = 0;
                    an += aImage;
                    in0 += inImage;
                }
            }
            if (len > body && len >= L) { // every image's last whole vector, masked (Blas1.TAIL_MASK)
                DoubleVector m = DoubleVector.fromArray(S, Blas1.TAIL_MASK[len - body], 0);
                for (int n = 0, an = aOff + len - L, in0 = len - L; n < images; n++, an += aImage, in0 += inImage) {
                    DoubleVector x = DoubleVector.fromArray(S, a, an).mul(m);
                    s0 = x.fma(DoubleVector.fromArray(S, in, i0 + in0), s0);
                    s1 = x.fma(DoubleVector.fromArray(S, in, i1 + in0), s1);
                    s2 = x.fma(DoubleVector.fromArray(S, in, i2 + in0), s2);
                    s3 = x.fma(DoubleVector.fromArray(S, in, i3 + in0), s3);
                }
            }
            s0.intoArray(lanes, 0);
            s1.intoArray(lanes, L);
            s2.intoArray(lanes, 2 * L);
            s3.intoArray(lanes, 3 * L);
            out[outOff + t] += Blas1Vector.finish(lanes, 0 * L, a, aOff, aImage, in, i0, inImage, images, len);
            out[outOff + t + 1] += Blas1Vector.finish(lanes, 1 * L, a, aOff, aImage, in, i1, inImage, images, len);
            out[outOff + t + 2] += Blas1Vector.finish(lanes, 2 * L, a, aOff, aImage, in, i2, inImage, images, len);
            out[outOff + t + 3] += Blas1Vector.finish(lanes, 3 * L, a, aOff, aImage, in, i3, inImage, images, len);
        }
        for (; t < taps; t++) {
            out[outOff + t] += Blas1Vector.dotOneAccumulator(a, aOff, aImage, in, inOff + shift[t], inImage, images, len);
        }
    }
}
