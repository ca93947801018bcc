package ai.sparknas.kernels.grad;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Vector reductions whose result does not depend on how many threads the backend uses. */
public final class Vectors {

    private Vectors() {
    }

    /**
     * ‖v‖₂ summed sequentially in index order. ND4J's native reductions split the sum into per-thread
     * blocks, so their last bits depend on the machine; finite-difference radii and the clipping
     * coefficient are computed from this instead, keeping runs bit-reproducible across machines.
     */
    public static double norm2(INDArray v) {
        return Math.sqrt(dot(v, v));
    }

    /** ⟨a, b⟩ summed sequentially in index order (see {@link #norm2}). */
    public static double dot(INDArray a, INDArray b) {
        double[] x = a.toDoubleVector();
        double[] y = b.toDoubleVector();
        if (x.length != y.length) {
            throw new IllegalArgumentException("dot of vectors of lengths " + x.length + " and " + y.length);
        }
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    /** ⟨a, b⟩ / (‖a‖·‖b‖), or NaN when either vector is zero. */
    public static double cosine(INDArray a, INDArray b) {
        double na = norm2(a);
        double nb = norm2(b);
        return na == 0 || nb == 0 ? Double.NaN : dot(a, b) / (na * nb);
    }

    /** The element-wise sum {@code a + b} in a new array (null + null = null); lengths must agree. */
    public static double[] sum(double[] a, double[] b, String what) {
        if (a == null || b == null) {
            if (a != b) {
                throw new IllegalArgumentException("cannot add sums: only one side has a " + what);
            }
            return null;
        }
        if (a.length != b.length) {
            throw new IllegalArgumentException("cannot add " + what + " sums of lengths " + a.length + " and " + b.length);
        }
        double[] s = new double[a.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = a[i] + b[i];
        }
        return s;
    }
}
