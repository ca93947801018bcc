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

    /**
     * Nominal cost of a pass in units of one forward pass, the PyTorch anchor's convention: the
     * forward, plus 1 for a backward that needs only ∂x (∇α), plus 2 for one that also computes ∇W.
     */
    public int forwardUnits() {
        return 1 + (weights ? 2 : alpha ? 1 : 0);
    }
}
