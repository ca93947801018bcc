package ai.sparknas.spark;

import ai.sparknas.driver.data.Shard;
import ai.sparknas.driver.search.SearchSetup;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.io.Serializable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a round computes on each partition's shard of the step's {@code split} batch: the loss and the
 * {@code wanted} gradient sums at (ω, α) or, with a radius r &gt; 0 and a direction d, the
 * central-difference numerator Σ∇(ω + r·d) − Σ∇(ω − r·d) (both passes in the same task, so one round).
 * The perturbed weights are formed by {@code GradientOracle.centralDifference}, as in process. With
 * {@code products}, the exact directional derivative of the wanted gradient sums along d (one R-pass).
 */
record Pass(int epoch, int step, Split split, Wanted wanted, double radius, boolean explicitMix, boolean products)
        implements Serializable {

    Pass(int epoch, int step, Split split, Wanted wanted, double radius) {
        this(epoch, step, split, wanted, radius, false, false);
    }

    /** The exact products along the round's direction. */
    static Pass products(int epoch, int step, Split split, Wanted wanted) {
        return new Pass(epoch, step, split, wanted, 0, false, true);
    }

    /** Runs the pass on one shard with a borrowed kernel. */
    PartitionSums compute(SearchSetup setup, Shard shard, double[] weights, double[] direction, double[] alpha) {
        long t0 = System.nanoTime();
        Shard.Batch b = shard.draw(split, epoch, step);
        INDArray w = Nd4j.createFromArray(weights);
        INDArray a = Nd4j.createFromArray(alpha);
        GradientSums sums;
        if (explicitMix) { // alpha holds the mixing weights themselves: a sub-network evaluation
            sums = setup.network.evaluate(w, a, b.images(), b.labels());
        } else if (products) {
            sums = setup.network.products(w, a, Nd4j.createFromArray(direction), b.images(), b.labels(), wanted);
        } else if (radius == 0) {
            sums = setup.network.gradients(w, a, b.images(), b.labels(), wanted);
        } else {
            sums = GradientOracle.centralDifference(w, Nd4j.createFromArray(direction), radius,
                    at -> setup.network.gradients(at, a, b.images(), b.labels(), wanted));
        }
        PartitionSums out = PartitionSums.of(sums);
        out.computeSeconds = (System.nanoTime() - t0) / 1e9;
        return out;
    }
}
