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
        double s = 0;
        for (double x : v.toDoubleVector()) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
