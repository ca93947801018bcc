package ai.sparknas.driver.optim;

/**
 * PyTorch {@code CosineAnnealingLR} stepped once per epoch, as in DARTS:
 * {@code lr(e) = lrMin + (lrMax − lrMin)·(1 + cos(π·e/E))/2} for 0-based epoch e; lr(0) = lrMax.
 */
public final class CosineSchedule {

    private final double lrMax;
    private final double lrMin;
    private final int epochs;

    /**
     * @param lrMax  {@code optim.weights.lr} (0.025)
     * @param lrMin  {@code optim.weights.lr-min} (0.001)
     * @param epochs {@code search.epochs}
     */
    public CosineSchedule(double lrMax, double lrMin, int epochs) {
        if (!(lrMax > 0) || Double.isInfinite(lrMax)) {
            throw new IllegalArgumentException("optim.weights.lr must be finite and > 0, got " + lrMax);
        }
        if (!(lrMin >= 0 && lrMin <= lrMax)) {
            throw new IllegalArgumentException("optim.weights.lr-min must be in [0, optim.weights.lr = " + lrMax
                    + "], got " + lrMin);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("search.epochs must be >= 1, got " + epochs);
        }
        this.lrMax = lrMax;
        this.lrMin = lrMin;
        this.epochs = epochs;
    }

    /** The learning rate of 0-based {@code epoch} (0 ≤ epoch ≤ epochs). */
    public double at(int epoch) {
        if (epoch < 0 || epoch > epochs) {
            throw new IllegalArgumentException("epoch " + epoch + " outside [0, search.epochs = " + epochs + "]");
        }
        return lrMin + (lrMax - lrMin) * (1 + Math.cos(Math.PI * epoch / epochs)) / 2;
    }

    public int epochs() {
        return epochs;
    }
}
