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

    static double dot(double[] a, int ao, double[] b, int bo, int len) {
        DoubleVector acc0 = DoubleVector.zero(S);
        DoubleVector acc1 = DoubleVector.zero(S);
        int pairs = len - len % (2 * L);
        for (int j = 0; j < pairs; j += 2 * L) {
            acc0 = DoubleVector.fromArray(S, a, ao + j).fma(DoubleVector.fromArray(S, b, bo + j), acc0);
            acc1 = DoubleVector.fromArray(S, a, ao + j + L).fma(DoubleVector.fromArray(S, b, bo + j + L), acc1);
        }
        int body = Blas1.accumulated(len);
        if (body > pairs) {
            acc0 = DoubleVector.fromArray(S, a, ao + pairs).fma(DoubleVector.fromArray(S, b, bo + pairs), acc0);
        }
        double s = lanesInOrder(acc0.add(acc1));
        for (int j = body; j < len; j++) {
            s = Math.fma(a[ao + j], b[bo + j], s);
        }
        return s;
    }

    static double sum(double[] a, int ao, int len) {
        DoubleVector acc0 = DoubleVector.zero(S);
        DoubleVector acc1 = DoubleVector.zero(S);
        int pairs = len - len % (2 * L);
        for (int j = 0; j < pairs; j += 2 * L) {
            acc0 = acc0.add(DoubleVector.fromArray(S, a, ao + j));
            acc1 = acc1.add(DoubleVector.fromArray(S, a, ao + j + L));
        }
        int body = Blas1.accumulated(len);
        if (body > pairs) {
            acc0 = acc0.add(DoubleVector.fromArray(S, a, ao + pairs));
        }
        double s = lanesInOrder(acc0.add(acc1));
        for (int j = body; j < len; j++) {
            s += a[ao + j];
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
    static double dotOneAccumulator(double[] a, int ao, double[] b, int bo, int len) {
        DoubleVector acc = DoubleVector.zero(S);
        int body = S.loopBound(len);
        for (int j = 0; j < body; j += L) {
            acc = DoubleVector.fromArray(S, a, ao + j).fma(DoubleVector.fromArray(S, b, bo + j), acc);
        }
        return finish(acc, a, ao, b, bo, body, len);
    }

    /** Lanes in order, then the elements from {@code body} on by fused multiply-adds. */
    static double finish(DoubleVector acc, double[] a, int ao, double[] b, int bo, int body, int len) {
        double s = lanesInOrder(acc);
        for (int j = body; j < len; j++) {
            s = Math.fma(a[ao + j], b[bo + j], s);
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
