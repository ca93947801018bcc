package ai.sparknas.kernels.net;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Blas1} on the Vector API, loaded only when the {@code jdk.incubator.vector} module is
 * present. Same arithmetic, in the same order, as Blas1's scalar code, so the two give identical bits.
 */
final class Blas1Vector {

    private static final VectorSpecies<Double> S = Blas1.VECTOR_BITS == 512 ? DoubleVector.SPECIES_512
            : DoubleVector.SPECIES_256;
    private static final int L = Blas1.LANES;

    private Blas1Vector() {
    }

    static void axpy(double a, double[] x, int xo, double[] y, int yo, int len) {
        DoubleVector av = DoubleVector.broadcast(S, a);
        int body = S.loopBound(len);
        int j = 0;
        for (; j < body; j += L) {
            DoubleVector.fromArray(S, x, xo + j).fma(av, DoubleVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
        }
        for (; j < len; j++) {
            y[yo + j] = Math.fma(a, x[xo + j], y[yo + j]);
        }
    }

    /**
     * The last r lanes of a vector: an element-wise kernel whose slice leaves r &lt; L elements after its
     * whole vectors computes the LAST whole vector (from {@code len − L}) and stores only these lanes,
     * keeping the others' values, which are already final. Each element still gets exactly the scalar
     * form's operations, so the bits are unchanged, without a scalar loop over the r elements.
     */
    static VectorMask<Double> fresh(int r) {
        return DoubleVector.fromArray(S, Blas1.TAIL_MASK[r], 0).compare(VectorOperators.NE, (double) 0);
    }

    static double dot(double[] a, int ao, double[] b, int bo, int len) {
        return dotSlices(a, ao, b, bo, 0, 1, len);
    }

    static double sum(double[] a, int ao, int len) {
        return sumSlices(a, ao, 0, 1, len);
    }

    /*
     * The loops over slices are ONE loop whose offsets step to the next slice, not a loop over slices
     * around a loop over a slice: Java 17's C2 keeps vectors that cross a nested loop's header in
     * heap-allocated boxes, which made these kernels ~6x slower (docs/performance.md).
     */

    static double dotSlices(double[] a, int ao, double[] b, int bo, int stride, int count, int len) {
        DoubleVector acc0 = DoubleVector.zero(S);
        DoubleVector acc1 = DoubleVector.zero(S);
        int pairs = len - len % (2 * L);
        int body = Blas1.accumulated(len);
        for (int q = 0, n = count * (pairs / (2 * L)), at = 0, j = 0; q < n; q++) {
            acc0 = DoubleVector.fromArray(S, a, ao + at + j).fma(DoubleVector.fromArray(S, b, bo + at + j), acc0);
            acc1 = DoubleVector.fromArray(S, a, ao + at + j + L).fma(DoubleVector.fromArray(S, b, bo + at + j + L), acc1);
            j += 2 * L;
            if (j == pairs) {
                j = 0;
                at += stride;
            }
        }
        if (body > pairs) {
            for (int i = 0, at = pairs; i < count; i++, at += stride) {
                acc0 = DoubleVector.fromArray(S, a, ao + at).fma(DoubleVector.fromArray(S, b, bo + at), acc0);
            }
        }
        if (len > body && len >= L) {
            DoubleVector m = DoubleVector.fromArray(S, Blas1.TAIL_MASK[len - body], 0);
            for (int i = 0, at = len - L; i < count; i++, at += stride) {
                acc1 = DoubleVector.fromArray(S, a, ao + at).mul(m).fma(DoubleVector.fromArray(S, b, bo + at), acc1);
            }
        }
        double s = lanesInOrder(acc0.add(acc1));
        if (len < L) {
            for (int i = 0, at = 0; i < count; i++, at += stride) {
                for (int j = 0; j < len; j++) {
                    s = Math.fma(a[ao + at + j], b[bo + at + j], s);
                }
            }
        }
        return s;
    }

    static double sumSlices(double[] a, int ao, int stride, int count, int len) {
        DoubleVector acc0 = DoubleVector.zero(S);
        DoubleVector acc1 = DoubleVector.zero(S);
        int pairs = len - len % (2 * L);
        int body = Blas1.accumulated(len);
        for (int q = 0, n = count * (pairs / (2 * L)), at = ao, j = 0; q < n; q++) {
            acc0 = acc0.add(DoubleVector.fromArray(S, a, at + j));
            acc1 = acc1.add(DoubleVector.fromArray(S, a, at + j + L));
            j += 2 * L;
            if (j == pairs) {
                j = 0;
                at += stride;
            }
        }
        if (body > pairs) {
            for (int i = 0, at = ao + pairs; i < count; i++, at += stride) {
                acc0 = acc0.add(DoubleVector.fromArray(S, a, at));
            }
        }
        if (len > body && len >= L) {
            DoubleVector m = DoubleVector.fromArray(S, Blas1.TAIL_MASK[len - body], 0);
            for (int i = 0, at = ao + len - L; i < count; i++, at += stride) {
                acc1 = acc1.add(DoubleVector.fromArray(S, a, at).mul(m));
            }
        }
        double s = lanesInOrder(acc0.add(acc1));
        if (len < L) {
            for (int i = 0, at = ao; i < count; i++, at += stride) {
                for (int j = 0; j < len; j++) {
                    s += a[at + j];
                }
            }
        }
        return s;
    }

    /** lane 0 + lane 1 + … in that order, as Blas1's scalar code (reduceLanes' order is unspecified). */
    static double lanesInOrder(DoubleVector acc) {
        double s = acc.lane(0);
        for (int l = 1; l < L; l++) {
            s += acc.lane(l);
        }
        return s;
    }

    /** {@link Blas1#dotOneAccumulatorScalar} on vectors. */
    static double dotOneAccumulator(double[] a, int ao, int aStride, double[] b, int bo, int bStride, int count,
                                    int len) {
        DoubleVector acc = DoubleVector.zero(S);
        int body = S.loopBound(len);
        for (int q = 0, n = count * (body / L), pa = ao, pb = bo, j = 0; q < n; q++) {
            acc = DoubleVector.fromArray(S, a, pa + j).fma(DoubleVector.fromArray(S, b, pb + j), acc);
            j += L;
            if (j == body) {
                j = 0;
                pa += aStride;
                pb += bStride;
            }
        }
        if (len > body && len >= L) {
            DoubleVector m = DoubleVector.fromArray(S, Blas1.TAIL_MASK[len - body], 0);
            for (int i = 0, pa = ao + len - L, pb = bo + len - L; i < count; i++, pa += aStride, pb += bStride) {
                acc = DoubleVector.fromArray(S, a, pa).mul(m).fma(DoubleVector.fromArray(S, b, pb), acc);
            }
        }
        return shortSlices(lanesInOrder(acc), a, ao, aStride, b, bo, bStride, count, len);
    }

    /**
     * The end of a blocked kernel's one-accumulator dot, whose lanes the caller stored at {@code lanes[from …]}
     * after adding every slice's masked last vector ({@link Blas1#TAIL_MASK}): the lanes in order, then
     * (below one vector) the short slices' elements. The kernels store their accumulators (an intrinsic)
     * because a vector passed to a call too big to inline is boxed (measured 3x slower for the 1x1 weight
     * gradient at 7x7 planes, and again ~2x at 14x14).
     */
    static double finish(double[] lanes, int from, double[] a, int ao, int aStride, double[] b, int bo, int bStride,
                         int count, int len) {
        double s = lanes[from];
        for (int l = 1; l < L; l++) {
            s += lanes[from + l];
        }
        return shortSlices(s, a, ao, aStride, b, bo, bStride, count, len);
    }

    /** Below one vector ({@code len} &lt; L): every slice's elements by fused multiply-adds after s. */
    private static double shortSlices(double s, double[] a, int ao, int aStride, double[] b, int bo, int bStride,
                                      int count, int len) {
        if (len < L) {
            for (int i = 0; i < count; i++) {
                int pa = ao + i * aStride;
                int pb = bo + i * bStride;
                for (int j = 0; j < len; j++) {
                    s = Math.fma(a[pa + j], b[pb + j], s);
                }
            }
        }
        return s;
    }

    static void relu(double[] x, double[] y, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            DoubleVector.fromArray(S, x, i).max((double) 0).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = Math.max(x[i], 0);
        }
    }

    static void reluBackward(double[] x, double[] dy, double[] dx, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            VectorMask<Double> on = DoubleVector.fromArray(S, x, i).compare(VectorOperators.GT, (double) 0);
            DoubleVector d = DoubleVector.fromArray(S, dx, i);
            d.add(DoubleVector.fromArray(S, dy, i), on).intoArray(dx, i);
        }
        for (; i < to; i++) {
            if (x[i] > 0) {
                dx[i] += dy[i];
            }
        }
    }

    static void maxStep(double[] in, int io, double[] best, double[] at, double k, int len) {
        DoubleVector kv = DoubleVector.broadcast(S, k);
        int j = 0;
        for (int body = S.loopBound(len); j < body; j += L) {
            DoubleVector v = DoubleVector.fromArray(S, in, io + j);
            DoubleVector b = DoubleVector.fromArray(S, best, j);
            VectorMask<Double> wins = v.compare(VectorOperators.GT, b).or(v.compare(VectorOperators.NE, v));
            b.blend(v, wins).intoArray(best, j);
            DoubleVector.fromArray(S, at, j).blend(kv, wins).intoArray(at, j);
        }
        for (; j < len; j++) {
            double v = in[io + j];
            if (v > best[j] || v != v) {
                best[j] = v;
                at[j] = k;
            }
        }
    }
}
