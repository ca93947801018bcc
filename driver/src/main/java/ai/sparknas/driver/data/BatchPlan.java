package ai.sparknas.driver.data;

import ai.sparknas.kernels.grad.Split;
import java.util.SplittableRandom;

/**
 * Which records form each step's batch, per partition. The {@code recordsPerSplit} records of each
 * split are cut into {@code partitions} contiguous ranges; partition p owns records
 * [⌊p·n/P⌋, ⌊(p+1)·n/P⌋) of both splits and draws its B/P examples of every step from them alone, so
 * a data-parallel worker reads only its own range. Every (seed, split, epoch, partition) has its own
 * Fisher–Yates permutation of the range, driven by {@code new SplittableRandom(mix(...))}; step s
 * takes the slice [s·b, (s+1)·b) and the last partial batch is dropped. A pure function of its
 * arguments, so a recomputed task or a resumed run sees exactly the same batches.
 */
public final class BatchPlan {

    private final long seed;
    private final int recordsPerSplit;
    private final int batchSize;
    private final int partitions;

    /**
     * @param seed            the run's root seed
     * @param recordsPerSplit records in each of the TRAIN and VAL halves
     * @param batchSize       {@code search.batch}: examples per step and split, over all partitions
     * @param partitions      data-parallel partitions ({@code spark.partitions}; 1 in one process)
     */
    public BatchPlan(long seed, int recordsPerSplit, int batchSize, int partitions) {
        if (recordsPerSplit < 1) {
            throw new IllegalArgumentException("a split needs at least one record, got " + recordsPerSplit);
        }
        if (partitions < 1 || partitions > recordsPerSplit) {
            throw new IllegalArgumentException("spark.partitions must be in [1, " + recordsPerSplit
                    + "] (records per split), got " + partitions);
        }
        if (batchSize < 1 || batchSize > recordsPerSplit) {
            throw new IllegalArgumentException("search.batch must be in [1, " + recordsPerSplit
                    + "] (records per split), got " + batchSize);
        }
        if (batchSize % partitions != 0) {
            throw new IllegalArgumentException("search.batch = " + batchSize + " must be divisible by "
                    + "spark.partitions = " + partitions + ": each partition computes search.batch / partitions examples");
        }
        this.seed = seed;
        this.recordsPerSplit = recordsPerSplit;
        this.batchSize = batchSize;
        this.partitions = partitions;
    }

    /** One partition: {@code new BatchPlan(seed, recordsPerSplit, batchSize, 1)}. */
    public BatchPlan(long seed, int recordsPerSplit, int batchSize) {
        this(seed, recordsPerSplit, batchSize, 1);
    }

    /** Full batches per epoch, limited by the smallest partition: ⌊⌊n/P⌋ / (B/P)⌋. */
    public int stepsPerEpoch() {
        return (recordsPerSplit / partitions) / partitionBatch();
    }

    public int batchSize() {
        return batchSize;
    }

    public int partitions() {
        return partitions;
    }

    /** Examples per partition and step: B/P. */
    public int partitionBatch() {
        return batchSize / partitions;
    }

    public int recordsPerSplit() {
        return recordsPerSplit;
    }

    /** First record (within a split) owned by {@code partition}. */
    public int partitionStart(int partition) {
        checkPartition(partition);
        return (int) ((long) partition * recordsPerSplit / partitions);
    }

    /** Records (within each split) owned by {@code partition}. */
    public int partitionSize(int partition) {
        checkPartition(partition);
        return (int) ((long) (partition + 1) * recordsPerSplit / partitions) - partitionStart(partition);
    }

    /**
     * The partition's part of the step's batch, as record indices relative to
     * {@link #partitionStart(int)} (0 ≤ i &lt; {@link #partitionSize(int)}).
     */
    public int[] indices(Split split, int epoch, int step, int partition) {
        if (split == null) {
            throw new IllegalArgumentException("split must not be null");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (step < 0 || step >= stepsPerEpoch()) {
            throw new IllegalArgumentException("step " + step + " outside [0, " + stepsPerEpoch() + ")");
        }
        int[] perm = permutation(split, epoch, partition);
        int b = partitionBatch();
        int[] out = new int[b];
        System.arraycopy(perm, step * b, out, 0, b);
        return out;
    }

    /** The epoch's permutation of the partition's range 0..size−1 (Fisher–Yates, Durstenfeld form). */
    int[] permutation(Split split, int epoch, int partition) {
        int[] perm = new int[partitionSize(partition)];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(mix(seed, split, epoch, partition));
        for (int i = perm.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        return perm;
    }

    private void checkPartition(int partition) {
        if (partition < 0 || partition >= partitions) {
            throw new IllegalArgumentException("partition " + partition + " outside [0, " + partitions + ")");
        }
    }

    /** Mixes the inputs by chained SplitMix64 finalisers (each input fully avalanches). */
    static long mix(long seed, Split split, int epoch, int partition) {
        long h = fmix(seed + 0x9E3779B97F4A7C15L);
        h = fmix(h ^ (split.ordinal() + 1L) * 0xC2B2AE3D27D4EB4FL);
        h = fmix(h ^ (epoch + 1L) * 0x165667B19E3779F9L);
        return fmix(h ^ (partition + 1L) * 0x27D4EB2F165667C5L);
    }

    /** SplitMix64 / Stafford variant 13 finaliser: a bijection on 64-bit values. */
    static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
