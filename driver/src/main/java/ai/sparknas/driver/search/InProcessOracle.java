package ai.sparknas.driver.search;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.data.BatchPlan;
import ai.sparknas.driver.data.CropFlipAugmentation;
import ai.sparknas.driver.data.ImageDataset;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.NetworkKernel;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient oracle in one process. The step's batch can be cut into {@code shards} equal
 * contiguous shards evaluated one after another and summed: BatchNorm then sees each shard's own
 * statistics, exactly as N data-parallel partitions do, so this is the single-machine reference of
 * an N-partition run.
 */
public final class InProcessOracle implements GradientOracle {

    private final NetworkKernel net;
    private final ImageDataset weightData;
    private final ImageDataset alphaData;
    private final BatchPlan plan;
    private final int shards;
    private final long augmentSeed;
    private final float[] padValue;
    private Batch train;
    private Batch val;
    private long passes;
    private long forwardUnits;

    private record Batch(double[] images, int[] labels) {
    }

    /**
     * @param augmentSeed seed of the crop/flip augmentation, used only when {@code padValue != null}
     * @param padValue    per-channel value of a zero pixel after standardisation, or null for no augmentation
     */
    public InProcessOracle(NetworkKernel net, ImageDataset weightData, ImageDataset alphaData, BatchPlan plan,
                           int shards, long augmentSeed, float[] padValue) {
        if (shards < 1 || plan.batchSize() % shards != 0) {
            throw new ConfigException("sparknas.search.batch", "sparknas.search.batch = " + plan.batchSize()
                    + " does not divide into " + shards
                    + " shards: choose search.batch as a multiple of the shard count");
        }
        this.net = net;
        this.weightData = weightData;
        this.alphaData = alphaData;
        this.plan = plan;
        this.shards = shards;
        this.augmentSeed = augmentSeed;
        this.padValue = padValue;
    }

    @Override
    public void beginStep(int epoch, long step) {
        train = draw(weightData, Split.TRAIN, epoch, (int) step);
        val = draw(alphaData, Split.VAL, epoch, (int) step);
    }

    private Batch draw(ImageDataset data, Split split, int epoch, int step) {
        int[] idx = plan.indices(split, epoch, step);
        int size = data.imageSize();
        float[] pixels = new float[idx.length * size];
        int[] labels = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            data.copyImage(idx[i], pixels, i * size);
            labels[i] = data.labels()[idx[i]];
        }
        if (padValue != null) {
            long seed = augmentSeed ^ (split.ordinal() + 1L) * 0x9E3779B97F4A7C15L ^ ((long) epoch << 32 | step);
            CropFlipAugmentation.apply(pixels, idx.length, data.channels(), data.height(), data.width(), 4, padValue,
                    new SplittableRandom(seed));
        }
        double[] images = new double[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            images[i] = pixels[i];
        }
        return new Batch(images, labels);
    }

    @Override
    public GradientSums gradients(INDArray w, INDArray alpha, Split split, Wanted wanted) {
        Batch b = split == Split.TRAIN ? train : val;
        if (b == null) {
            throw new IllegalStateException("beginStep must be called before gradients");
        }
        GradientSums sum = shards == 1 ? net.gradients(w, alpha, b.images, b.labels, wanted) : null;
        int per = b.labels.length / shards;
        int imageSize = b.images.length / b.labels.length;
        for (int s = 0; s < shards && shards > 1; s++) {
            double[] images = Arrays.copyOfRange(b.images, s * per * imageSize, (s + 1) * per * imageSize);
            int[] labels = Arrays.copyOfRange(b.labels, s * per, (s + 1) * per);
            GradientSums part = net.gradients(w, alpha, images, labels, wanted);
            sum = sum == null ? part : sum.plus(part);
        }
        passes++;
        forwardUnits += wanted.forwardUnits();
        return sum;
    }

    /** Forward/backward passes run so far (each over all shards). */
    public long passes() {
        return passes;
    }

    /** {@link Wanted#forwardUnits()} summed over the passes run so far. */
    public long forwardUnits() {
        return forwardUnits;
    }
}
