package ai.sparknas.kernels.grad;

/** Which gradients a pass must return; asking for fewer lets the backend skip work. */
public enum Wanted {
    NONE(false, false), WEIGHTS(true, false), ALPHA(false, true), BOTH(true, true);

    private final boolean weights;
    private final boolean alpha;

    Wanted(boolean weights, boolean alpha) {
        this.weights = weights;
        this.alpha = alpha;
    }

    public boolean weights() {
        return weights;
    }

    public boolean alpha() {
        return alpha;
    }
}
