package ai.sparknas.kernels.net;

import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Central finite differences in float64, and the relative error used by the gradient checks. */
final class FiniteDifferences {

    /** Step of the central difference: balances truncation (h²) against rounding (1e-16/h). */
    static final double H = 1e-6;
    /** Differences below this are rounding noise of the loss, whatever their relative size. */
    static final double ABS_FLOOR = 1e-9;

    private FiniteDifferences() {
    }

    /** ∂f/∂x_i at x (float64), restoring x afterwards. */
    static double partial(ToDoubleFunction<INDArray> f, INDArray x, long i) {
        double x0 = x.getDouble(i);
        x.putScalar(i, x0 + H);
        double plus = f.applyAsDouble(x);
        x.putScalar(i, x0 - H);
        double minus = f.applyAsDouble(x);
        x.putScalar(i, x0);
        return (plus - minus) / (2 * H);
    }

    /** |a − n| / (|a| + |n|), or 0 when the two agree to within {@link #ABS_FLOOR}. */
    static double relativeError(double analytic, double numeric) {
        double diff = Math.abs(analytic - numeric);
        if (diff < ABS_FLOOR) {
            return 0;
        }
        return diff / (Math.abs(analytic) + Math.abs(numeric));
    }
}
