package ai.sparknas.kernels.net;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Which passes of the super-network keep only each node's output and run the node's operations again
 * in the backward pass (gradient checkpointing, {@code Tape#recomputed}) instead of holding their
 * activations to their backward steps. Results are bit-identical either way; recomputing trades one
 * more forward of the operations for holding one node's activations at a time.
 */
public enum Recompute {
    /** Keep every activation (the fastest). */
    NONE,
    /**
     * Recompute in the R-passes of H·d (exact products), which hold a tangent beside every activation
     * and every convolution's input for the tangent of the weight gradient. An α-only R-pass (∇²αω·d)
     * gives those inputs back after the forward and holds about as much as a gradient pass without it.
     */
    PRODUCTS,
    /** Recompute in every differentiated pass. */
    ALL;

    /** The config spellings, in declaration order. */
    public static final List<String> KEYS = Arrays.stream(values()).map(Recompute::key).toList();

    /** The config spelling: none, products or all. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #key()}'s spelling. */
    public static Recompute of(String key) {
        for (Recompute r : values()) {
            if (r.key().equals(key)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown recompute '" + key + "': use one of " + KEYS);
    }

    /** Whether an R-pass of H·d ({@code product}) or another pass recomputes. */
    public boolean applies(boolean product) {
        return this == ALL || (product && this == PRODUCTS);
    }
}
