package ai.sparknas.driver.data;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.kernels.grad.Split;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * One partition's records of both halves and the batches it draws from them: the unit of data
 * parallelism. The same class serves a Spark partition (records read on the executor) and the
 * in-process fold over N shards (records cut from data in memory), so the two compute on identical
 * inputs. The crop/flip augmentation of a batch is seeded by (seed, split, epoch, step, partition).
 */
public final class Shard {

    private final int partition;
    private final ImageDataset weightRecords;
    private final ImageDataset alphaRecords;
    private final BatchPlan plan;
    private final long augmentSeed;
    private final float[] padValue;

    /** A step's examples: NCHW pixels in float64 and their labels. */
    public record Batch(double[] images, int[] labels) {
    }

    /**
     * @param weightRecords the partition's range of the ω half ({@link BatchPlan#partitionSize} records)
     * @param alphaRecords  the partition's range of the α half
     * @param augmentSeed   seed of the crop/flip augmentation, used only when {@code padValue != null}
     * @param padValue      per-channel value of a zero pixel after standardisation, or null for no augmentation
     */
    public Shard(int partition, ImageDataset weightRecords, ImageDataset alphaRecords, BatchPlan plan,
                 long augmentSeed, float[] padValue) {
        int size = plan.partitionSize(partition);
        if (weightRecords.size() != size || alphaRecords.size() != size) {
            throw new IllegalArgumentException("partition " + partition + " owns " + size + " records of each half, got "
                    + weightRecords.size() + " and " + alphaRecords.size());
        }
        this.partition = partition;
        this.weightRecords = weightRecords;
        this.alphaRecords = alphaRecords;
        this.plan = plan;
        this.augmentSeed = augmentSeed;
        this.padValue = padValue == null ? null : padValue.clone();
    }

    /** Cuts partition {@code partition} out of both halves held in memory. */
    public static Shard of(SearchData data, BatchPlan plan, int partition, long augmentSeed, float[] padValue) {
        int from = plan.partitionStart(partition);
        int to = from + plan.partitionSize(partition);
        return new Shard(partition, data.weightData().range(from, to), data.alphaData().range(from, to), plan,
                augmentSeed, padValue);
    }

    /** Reads partition {@code partition}'s two record ranges from the training file: what an executor does. */
    public static Shard read(SearchConfig.Data cfg, DataFiles files, DataLayout layout,
                             BatchPlan plan, int partition, long augmentSeed, float[] padValue) throws IOException {
        int from = plan.partitionStart(partition);
        int size = plan.partitionSize(partition);
        return new Shard(partition, SearchData.readRange(cfg, files, layout, from, size),
                SearchData.readRange(cfg, files, layout, layout.cut() + from, size), plan, augmentSeed, padValue);
    }

    public int partition() {
        return partition;
    }

    /** This partition's examples of the step's {@code split} batch. */
    public Batch draw(Split split, int epoch, int step) {
        ImageDataset data = split == Split.TRAIN ? weightRecords : alphaRecords;
        int[] idx = plan.indices(split, epoch, step, partition);
        int size = data.imageSize();
        float[] pixels = new float[idx.length * size];
        int[] labels = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            data.copyImage(idx[i], pixels, i * size);
            labels[i] = data.labels()[idx[i]];
        }
        if (padValue != null) {
            long seed = BatchPlan.fmix(BatchPlan.mix(augmentSeed, split, epoch, partition) ^ (step + 1L) * 0x94D049BB133111EBL);
            CropFlipAugmentation.apply(pixels, idx.length, data.channels(), data.height(), data.width(), 4, padValue,
                    new SplittableRandom(seed));
        }
        double[] images = new double[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            images[i] = pixels[i];
        }
        return new Batch(images, labels);
    }
}
