package ai.sparknas.driver.fidelity;

import java.util.ArrayList;
import java.util.List;

/** Median and quartiles (linear interpolation between order statistics) of the finite values given. */
public record Quartiles(double q1, double median, double q3, int n) {

    public static Quartiles of(List<Double> values) {
        List<Double> xs = new ArrayList<>();
        for (double v : values) {
            if (Double.isFinite(v)) {
                xs.add(v);
            }
        }
        xs.sort(null);
        return new Quartiles(at(xs, 0.25), at(xs, 0.5), at(xs, 0.75), xs.size());
    }

    private static double at(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.size() - 1, lo + 1);
        return sorted.get(lo) + (pos - lo) * (sorted.get(hi) - sorted.get(lo));
    }
}
