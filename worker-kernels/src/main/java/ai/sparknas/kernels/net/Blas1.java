package ai.sparknas.kernels.net;

/**
 * The level-1 loops every kernel is built from: {@code y ← a·x + y} (axpy), {@code ⟨a, b⟩} (dot),
 * {@code Σ a} (sum), the ReLU mask and the running window maximum, on slices of flat arrays.
 *
 * <p>Why not plain loops: Java 17's C2 does not vectorise {@code y[yo+j] += a·x[xo+j]} when the two
 * offsets differ (it cannot rule out that x and y overlap) nor any floating-point reduction, so those
 * loops ran at 2–4 GFLOP/s. With the JDK's Vector API ({@code --add-modules jdk.incubator.vector})
 * they run at 8–16 (see docs/performance.md). Without the module the same arithmetic runs as scalar
 * code ({@code *Scalar}), slower but bit for bit identical, so a cluster may mix JVMs with and
 * without the flag.
 *
 * <p>Fixed arithmetic, whatever the hardware. Each axpy element is one fused multiply-add. A dot
 * (a sum likewise, with additions) runs two accumulators of {@link #LANES} lanes over blocks of
 * {@code 2·LANES} elements: block element {@code l} goes to lane l of the first accumulator, element
 * {@code LANES + l} to lane l of the second, one last whole vector to the first, and the r &lt; LANES
 * remaining elements as the last whole vector times {@link #TAIL_MASK}[r] to the second; the two are
 * added lane by lane and the lanes in lane order (below LANES elements, the elements follow in order).
 * Two accumulators halve the wait on the multiply-add latency. The lane width is 256 bits rather than the
 * CPU's widest, so machines with and without AVX-512 produce the same bits; {@code
 * -Dsparknas.vector-bits=512} selects 512-bit lanes (and the scalar twins follow), which measured no
 * faster on this project's AVX-512 machine (docs/performance.md).
 */
public final class Blas1 {

    /**
     * The vector width in bits, 256 unless {@code -Dsparknas.vector-bits=512}: the width decides the
     * summation order of every reduction, so it is part of a result's bits (a checkpoint's signature
     * names a width other than 256, and a resume at another width is refused).
     */
    public static final int VECTOR_BITS = vectorBits();

    /** Elements per vector: at 256 bits 4 in float64, 8 in float32. */
    static final int LANES = VECTOR_BITS / 8 / Double.BYTES;

    private static int vectorBits() {
        int bits = Integer.getInteger("sparknas.vector-bits", 256);
        if (bits != 256 && bits != 512) {
            throw new IllegalArgumentException("-Dsparknas.vector-bits=" + bits + ": use 256 or 512");
        }
        return bits;
    }

    /** The JVM option that makes the Vector API available (every JVM that runs kernels should have it). */
    public static final String JVM_OPTION = "--add-modules=jdk.incubator.vector";

    /** Whether the Vector API module is present in this JVM (then {@code Blas1Vector} does the work). */
    public static final boolean VECTORISED = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !Boolean.getBoolean("sparknas.scalar-kernels");

    private Blas1() {
    }

    /** {@code y[yo + j] ← fma(a, x[xo + j], y[yo + j])} for j in [0, len). */
    static void axpy(double a, double[] x, int xo, double[] y, int yo, int len) {
        if (VECTORISED) {
            Blas1Vector.axpy(a, x, xo, y, yo, len);
        } else {
            axpyScalar(a, x, xo, y, yo, len);
        }
    }

    /** {@code Σ_j a[ao + j]·b[bo + j]} in the fixed order described in the class comment. */
    static double dot(double[] a, int ao, double[] b, int bo, int len) {
        return VECTORISED ? Blas1Vector.dot(a, ao, b, bo, len) : dotScalar(a, ao, b, bo, len);
    }

    /** {@code Σ_j a[ao + j]} in the fixed order described in the class comment. */
    static double sum(double[] a, int ao, int len) {
        return VECTORISED ? Blas1Vector.sum(a, ao, len) : sumScalar(a, ao, len);
    }

    /**
     * {@code Σ_i Σ_j a[ao + i·stride + j]·b[bo + i·stride + j]} over {@code count} slices of {@code len}:
     * one reduction for all slices (a channel's planes over the batch), so the lanes are added once. The
     * blocks of {@code 2·LANES} of every slice go into the two accumulators, slice after slice (as in
     * {@link #dot}); then, where {@code len} leaves one more whole vector, every slice's into the first;
     * then, where r elements remain, every slice's last whole vector times {@link #TAIL_MASK}[r] into the
     * second; the lanes are added in order (a {@code len} below LANES: every slice's elements follow,
     * slice by slice). One slice is exactly {@link #dot}.
     */
    static double dotSlices(double[] a, int ao, double[] b, int bo, int stride, int count, int len) {
        return VECTORISED ? Blas1Vector.dotSlices(a, ao, b, bo, stride, count, len)
                : dotSlicesScalar(a, ao, b, bo, stride, count, len);
    }

    /** {@code Σ_i Σ_j a[ao + i·stride + j]} over {@code count} slices, in {@link #dotSlices}' order. */
    static double sumSlices(double[] a, int ao, int stride, int count, int len) {
        return VECTORISED ? Blas1Vector.sumSlices(a, ao, stride, count, len) : sumSlicesScalar(a, ao, stride, count, len);
    }

    /** ReLU forward {@code y = max(x, 0)} over [from, to); a NaN stays NaN. */
    static void relu(double[] x, double[] y, int from, int to) {
        if (VECTORISED) {
            Blas1Vector.relu(x, y, from, to);
        } else {
            reluScalar(x, y, from, to);
        }
    }

    /** ReLU backward {@code dx += dy where x > 0} over [from, to). */
    static void reluBackward(double[] x, double[] dy, double[] dx, int from, int to) {
        if (VECTORISED) {
            Blas1Vector.reluBackward(x, dy, dx, from, to);
        } else {
            reluBackwardScalar(x, dy, dx, from, to);
        }
    }

    /**
     * One step of a running window maximum: where {@code v = in[io + j]} is greater than {@code best[j]}
     * or is NaN (so that a NaN propagates), {@code best[j] ← v} and {@code at[j] ← k}.
     */
    static void maxStep(double[] in, int io, double[] best, double[] at, double k, int len) {
        if (VECTORISED) {
            Blas1Vector.maxStep(in, io, best, at, k, len);
        } else {
            maxStepScalar(in, io, best, at, k, len);
        }
    }

    /**
     * {@code TAIL_MASK[r]}: {@link #LANES} values, 0 in the first {@code LANES − r} lanes and 1 in the last r.
     * A reduction whose slices leave r &lt; LANES elements after their whole vectors reads each slice's LAST
     * whole vector (from {@code len − LANES}, which overlaps elements already counted) and multiplies it
     * by this mask, so the r elements join the vector lanes instead of a chain of scalar multiply-adds.
     */
    static final double[][] TAIL_MASK = tailMasks();

    private static double[][] tailMasks() {
        double[][] m = new double[LANES][LANES];
        for (int r = 0; r < LANES; r++) {
            for (int l = LANES - r; l < LANES; l++) {
                m[r][l] = 1;
            }
        }
        return m;
    }

    /** Where the accumulated part of a dot or sum of {@code len} elements ends (see the class comment). */
    static int accumulated(int len) {
        int pairs = len - len % (2 * LANES);
        return len - pairs >= LANES ? pairs + LANES : pairs;
    }

    static void axpyScalar(double a, double[] x, int xo, double[] y, int yo, int len) {
        for (int j = 0; j < len; j++) {
            y[yo + j] = Math.fma(a, x[xo + j], y[yo + j]);
        }
    }

    static double dotScalar(double[] a, int ao, double[] b, int bo, int len) {
        return dotSlicesScalar(a, ao, b, bo, 0, 1, len);
    }

    static double sumScalar(double[] a, int ao, int len) {
        return sumSlicesScalar(a, ao, 0, 1, len);
    }

    static double dotSlicesScalar(double[] a, int ao, double[] b, int bo, int stride, int count, int len) {
        double[] acc = new double[2 * LANES];
        int pairs = len - len % (2 * LANES);
        int body = accumulated(len);
        for (int i = 0, at = 0; i < count; i++, at += stride) {
            for (int j = 0; j < pairs; j += 2 * LANES) {
                for (int l = 0; l < 2 * LANES; l++) {
                    acc[l] = Math.fma(a[ao + at + j + l], b[bo + at + j + l], acc[l]);
                }
            }
        }
        for (int i = 0, at = 0; i < count; i++, at += stride) {
            for (int l = 0; l < body - pairs; l++) {
                acc[l] = Math.fma(a[ao + at + pairs + l], b[bo + at + pairs + l], acc[l]);
            }
        }
        if (len > body && len >= LANES) { // the last whole vector, masked, into the second accumulator
            double[] m = TAIL_MASK[len - body];
            for (int i = 0, at = len - LANES; i < count; i++, at += stride) {
                for (int l = 0; l < LANES; l++) {
                    acc[LANES + l] = Math.fma(a[ao + at + l] * m[l], b[bo + at + l], acc[LANES + l]);
                }
            }
        }
        double s = lanesInOrder(acc);
        if (len < LANES) {
            for (int i = 0, at = 0; i < count; i++, at += stride) {
                for (int j = 0; j < len; j++) {
                    s = Math.fma(a[ao + at + j], b[bo + at + j], s);
                }
            }
        }
        return s;
    }

    static double sumSlicesScalar(double[] a, int ao, int stride, int count, int len) {
        double[] acc = new double[2 * LANES];
        int pairs = len - len % (2 * LANES);
        int body = accumulated(len);
        for (int i = 0, at = ao; i < count; i++, at += stride) {
            for (int j = 0; j < pairs; j += 2 * LANES) {
                for (int l = 0; l < 2 * LANES; l++) {
                    acc[l] += a[at + j + l];
                }
            }
        }
        for (int i = 0, at = ao; i < count; i++, at += stride) {
            for (int l = 0; l < body - pairs; l++) {
                acc[l] += a[at + pairs + l];
            }
        }
        if (len > body && len >= LANES) {
            double[] m = TAIL_MASK[len - body];
            for (int i = 0, at = ao + len - LANES; i < count; i++, at += stride) {
                for (int l = 0; l < LANES; l++) {
                    acc[LANES + l] += a[at + l] * m[l];
                }
            }
        }
        double s = lanesInOrder(acc);
        if (len < LANES) {
            for (int i = 0, at = ao; i < count; i++, at += stride) {
                for (int j = 0; j < len; j++) {
                    s += a[at + j];
                }
            }
        }
        return s;
    }

    /** {@code Σ_l (acc[l] + acc[LANES + l])} over l in order. */
    private static double lanesInOrder(double[] acc) {
        double s = acc[0] + acc[LANES];
        for (int l = 1; l < LANES; l++) {
            s += acc[l] + acc[LANES + l];
        }
        return s;
    }

    /**
     * The dot of the blocked kernels ({@link Gemm#dots}, {@link Correlation#dots}), which run many dots
     * side by side and so keep ONE accumulator each, over {@code count} pairs of slices ({@code a} at
     * {@code ao + i·aStride}, {@code b} at {@code bo + i·bStride}: one weight's gradient over the batch):
     * lane l sums the elements j ≡ l mod LANES of every slice's whole vectors, slice after slice; then,
     * where {@code len} leaves r elements, every slice's last whole vector times {@link #TAIL_MASK}[r],
     * slice after slice; the lanes are added in order (a {@code len} below LANES: every slice's elements
     * by fused multiply-adds after them, slice by slice).
     */
    static double dotOneAccumulatorScalar(double[] a, int ao, int aStride, double[] b, int bo, int bStride, int count,
                                          int len) {
        double[] acc = new double[LANES];
        int body = len - len % LANES;
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < body; j += LANES) {
                for (int l = 0; l < LANES; l++) {
                    acc[l] = Math.fma(a[ao + i * aStride + j + l], b[bo + i * bStride + j + l], acc[l]);
                }
            }
        }
        if (len > body && len >= LANES) {
            double[] m = TAIL_MASK[len - body];
            for (int i = 0; i < count; i++) {
                int pa = ao + i * aStride + len - LANES;
                int pb = bo + i * bStride + len - LANES;
                for (int l = 0; l < LANES; l++) {
                    acc[l] = Math.fma(a[pa + l] * m[l], b[pb + l], acc[l]);
                }
            }
        }
        double s = acc[0];
        for (int l = 1; l < LANES; l++) {
            s += acc[l];
        }
        if (len < LANES) {
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < len; j++) {
                    s = Math.fma(a[ao + i * aStride + j], b[bo + i * bStride + j], s);
                }
            }
        }
        return s;
    }

    static void reluScalar(double[] x, double[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = Math.max(x[i], 0);
        }
    }

    static void reluBackwardScalar(double[] x, double[] dy, double[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            if (x[i] > 0) { // no "+ 0" elsewhere: the vector form leaves those values (even −0) untouched
                dx[i] += dy[i];
            }
        }
    }

    static void maxStepScalar(double[] in, int io, double[] best, double[] at, double k, int len) {
        for (int j = 0; j < len; j++) {
            double v = in[io + j];
            if (v > best[j] || v != v) {
                best[j] = v;
                at[j] = k;
            }
        }
    }
}
