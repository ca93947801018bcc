package ai.sparknas.driver.search;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.NetworkKernel;
import ai.sparknas.kernels.net.Recompute;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The memory a search needs, measured before the first step rather than guessed. A probe network of
 * the same space runs the step's most demanding passes (a gradient pass with both gradients and, when
 * the estimator uses exact products, an R-pass with both) on 2 and on 4 images; the arrays its passes
 * keep grow linearly with the batch, so the two probes give the per-image and the fixed part, which
 * are extrapolated to the examples one kernel computes. To that come the ω- and α-sized vectors (ω, its
 * gradient, momentum, the estimator's directions and copies: {@link #VECTORS} float64 vectors) and
 * the training records in memory (float32 pixels).
 *
 * @param activationBytes the passes' arrays for one kernel's examples
 * @param vectorBytes     ω- and α-sized vectors
 * @param dataBytes       records held in memory
 * @param lighter         a config change that needs less memory, for the refusal's advice (null: none)
 */
public record MemoryEstimate(long activationBytes, long vectorBytes, long dataBytes, String lighter) {

    public MemoryEstimate(long activationBytes, long vectorBytes, long dataBytes) {
        this(activationBytes, vectorBytes, dataBytes, null);
    }

    /** The advice of a search that does not recompute everything yet. */
    static final String RECOMPUTE_ALL = "compute.recompute = all (every pass recomputes its nodes' operations: less"
            + " than half the activation memory, slower)";

    /** ω-sized float64 vectors alive at once in a step (weights, gradients, optimizer state, directions, copies). */
    static final int VECTORS = 16;
    /** Headroom the JVM needs above the live data for its collector to keep up. */
    static final double HEADROOM = 1.25;

    public long total() {
        return activationBytes + vectorBytes + dataBytes;
    }

    /**
     * @param examples   the examples one kernel computes per pass (the batch in process, a partition's share on Spark)
     * @param records    training records held in this JVM
     * @param kernels    kernels computing at once in this JVM (Spark local mode: the concurrent tasks)
     */
    public static MemoryEstimate of(SearchSetup setup, int examples, long records, int kernels) {
        boolean products = !setup.estimator.name().equals("first-order");
        NetworkKernel net = setup.network;
        MemoryEstimate m = fromProbes(probe(setup, 2, products), probe(setup, 4, products), net.elementBytes(), examples,
                kernels, net.weightLayout().size() + net.alphaLayout().size(),
                records * (long) setup.space.inChannels() * setup.space.height() * setup.space.width() * 4);
        return setup.config.compute().recompute() == Recompute.ALL ? m
                : new MemoryEstimate(m.activationBytes, m.vectorBytes, m.dataBytes, RECOMPUTE_ALL);
    }

    /**
     * The estimate from a kernel's pooled elements after its passes on 2 and on 4 images.
     *
     * @param vectorElements elements of ω and α (or ω and the running statistics)
     */
    public static MemoryEstimate fromProbes(long at2, long at4, int elementBytes, int examples, int kernels,
                                            long vectorElements, long dataBytes) {
        long perImage = Math.max(0, (at4 - at2) / 2);
        long fixed = Math.max(0, at2 - 2 * perImage);
        return new MemoryEstimate((fixed + perImage * examples) * elementBytes * kernels, (long) VECTORS * 8 * vectorElements,
                dataBytes);
    }

    /**
     * A fresh kernel's pooled elements after the step's passes on {@code n} zero images: a gradient pass
     * wanting both and, with products, the estimators' two R-passes (H·d, which {@code compute.recompute}
     * may recompute, and ∇²αω·d alone, which it does not), each the largest of its kind.
     */
    private static long probe(SearchSetup setup, int n, boolean products) {
        return products ? pooledAfter(setup, n, Wanted.BOTH, Wanted.WEIGHTS, Wanted.ALPHA)
                : pooledAfter(setup, n, Wanted.BOTH);
    }

    /**
     * A fresh kernel's pooled elements (the setup's precision and recomputation) after a gradient pass
     * wanting {@code gradient} (none when null) and then an R-pass for each of {@code products}, on
     * {@code n} zero images: the arrays those passes hold at their peak.
     */
    public static long pooledAfter(SearchSetup setup, int n, Wanted gradient, Wanted... products) {
        try (NetworkKernel fresh = NetworkKernel.create(setup.space, 1, setup.config.compute().precision(),
                setup.config.compute().recompute())) {
            INDArray w = fresh.initialWeights(1);
            INDArray a = fresh.initialAlpha(1);
            double[] images = new double[n * setup.space.inChannels() * setup.space.height() * setup.space.width()];
            int[] labels = new int[n];
            if (gradient != null) {
                fresh.gradients(w, a, images, labels, gradient);
            }
            for (Wanted product : products) {
                if (product != null) {
                    fresh.products(w, a, w, images, labels, product);
                }
            }
            return fresh.pooledElements();
        }
    }

    /**
     * Refuses a launch whose estimate, with the collector's headroom, exceeds the heap it will run in.
     *
     * @param heapBytes the heap of the JVM that computes ({@code Runtime.maxMemory()} in process)
     * @param fix       how to give it more, e.g. "raise SPARKNAS_HEAP (deploy/bin/sparknas)"
     * @throws ConfigException naming the fix and the estimate (exit 2)
     */
    public void check(long heapBytes, String what, String fix) {
        if (total() * HEADROOM > heapBytes) {
            throw new ConfigException(null, String.format(Locale.ROOT,
                    "%s needs about %.1f GB of heap (%.1f GB for the passes' activations, %.1f GB of weight-sized vectors,"
                            + " %.1f GB of data, and a quarter more for the collector) but has %.1f GB: %s to at least"
                            + " %dg, %slower the batch, the channels or the cells (or data.limit)",
                    what, total() / 1e9, activationBytes / 1e9, vectorBytes / 1e9, dataBytes / 1e9, heapBytes / 1e9, fix,
                    (long) Math.ceil(total() * HEADROOM / (1L << 30)) + 1, lighter == null ? "or " : "or set " + lighter
                            + ", or "));
        }
    }
}
