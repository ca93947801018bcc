package ai.sparknas.driver.search;

import ai.sparknas.driver.data.Shard;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.NetworkKernel;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient oracle in one process. The step's batch is the union of the shards' batches,
 * evaluated one after another and summed in shard order: BatchNorm sees each shard's own
 * statistics, exactly as N data-parallel partitions do, so with N shards this is the
 * single-machine reference of an N-partition Spark run.
 */
public final class InProcessOracle implements GradientOracle {

    private final NetworkKernel net;
    private final List<Shard> shards;
    private Shard.Batch[] train;
    private Shard.Batch[] val;

    public InProcessOracle(NetworkKernel net, List<Shard> shards) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("an oracle needs at least one shard");
        }
        this.net = net;
        this.shards = List.copyOf(shards);
    }

    @Override
    public void beginStep(int epoch, long step) {
        train = new Shard.Batch[shards.size()];
        val = new Shard.Batch[shards.size()];
        for (int s = 0; s < shards.size(); s++) {
            train[s] = shards.get(s).draw(Split.TRAIN, epoch, (int) step);
            val[s] = shards.get(s).draw(Split.VAL, epoch, (int) step);
        }
    }

    @Override
    public GradientSums gradients(INDArray w, INDArray alpha, Split split, Wanted wanted) {
        return fold(split, b -> net.gradients(w, alpha, b.images(), b.labels(), wanted));
    }

    @Override
    public GradientSums products(INDArray w, INDArray d, INDArray alpha, Split split, Wanted wanted) {
        return fold(split, b -> net.products(w, alpha, d, b.images(), b.labels(), wanted));
    }

    @Override
    public GradientSums evaluate(INDArray w, INDArray mix, Split split) {
        return fold(split, b -> net.evaluate(w, mix, b.images(), b.labels()));
    }

    /** {@code pass} on each shard's batch of the step's {@code split}, summed in shard order. */
    private GradientSums fold(Split split, java.util.function.Function<Shard.Batch, GradientSums> pass) {
        Shard.Batch[] batches = split == Split.TRAIN ? train : val;
        if (batches == null) {
            throw new IllegalStateException("beginStep must be called before a pass");
        }
        GradientSums sum = null;
        for (Shard.Batch b : batches) {
            GradientSums part = pass.apply(b);
            sum = sum == null ? part : sum.plus(part);
        }
        return sum;
    }
}
