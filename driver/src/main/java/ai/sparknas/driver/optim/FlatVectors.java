package ai.sparknas.driver.optim;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Argument checks shared by the optimizers. */
final class FlatVectors {

    private FlatVectors() {
    }

    static void requireSameShape(INDArray param, INDArray other, String what) {
        if (param == null || other == null) {
            throw new IllegalArgumentException("parameter and " + what + " must not be null");
        }
        if (!Arrays.equals(param.shape(), other.shape())) {
            throw new IllegalArgumentException("shape mismatch: parameters " + Arrays.toString(param.shape())
                    + " vs " + what + " " + Arrays.toString(other.shape()));
        }
        if (!param.dataType().isFPType()) {
            throw new IllegalArgumentException("parameters must be floating point, got " + param.dataType());
        }
    }

    /** A private copy of {@code a} in {@code param}'s data type. */
    static INDArray copyAs(INDArray a, INDArray param) {
        return a.dataType() == param.dataType() ? a.dup() : a.castTo(param.dataType());
    }

    static double requireNonNegative(double value, String name) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
        return value;
    }
}
