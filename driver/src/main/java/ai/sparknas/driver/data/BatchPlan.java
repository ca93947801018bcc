package ai.sparknas.driver.data;

import ai.sparknas.kernels.grad.Split;
import java.util.SplittableRandom;

/**
 * Which records of a split form each step's batch. Every (seed, split, epoch) has its own
 * Fisher–Yates permutation of the split's record indices, driven by
 * {@code new SplittableRandom(mix(seed, split, epoch))}; step s takes the slice [s·B, (s+1)·B) and
 * the last partial batch is dropped. Pure function of its arguments, so a recomputed task or a
 * resumed run sees exactly the same batches.
 */
public final class BatchPlan {

    private final long seed;
    private final int recordsPerSplit;
    private final int batchSize;

    /**
     * @param seed            the run's root seed
     * @param recordsPerSplit records in each of the TRAIN and VAL halves
     * @param batchSize       {@code search.batch}: examples per step and split
     */
    public BatchPlan(long seed, int recordsPerSplit, int batchSize) {
        if (recordsPerSplit < 1) {
            throw new IllegalArgumentException("a split needs at least one record, got " + recordsPerSplit);
        }
        if (batchSize < 1 || batchSize > recordsPerSplit) {
            throw new IllegalArgumentException("search.batch must be in [1, " + recordsPerSplit
                    + "] (records per split), got " + batchSize);
        }
        this.seed = seed;
        this.recordsPerSplit = recordsPerSplit;
        this.batchSize = batchSize;
    }

    /** Full batches per epoch: recordsPerSplit / batchSize. */
    public int stepsPerEpoch() {
        return recordsPerSplit / batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    public int recordsPerSplit() {
        return recordsPerSplit;
    }

    /** Record indices within {@code split} (0 ≤ i &lt; recordsPerSplit) of the step's batch. */
    public int[] indices(Split split, int epoch, int step) {
        return slice(split, epoch, step, step * batchSize, batchSize);
    }

    /**
     * Contiguous part {@code shard} of {@code shards} equal parts of the step's batch; the shards in
     * order concatenate to {@link #indices}.
     */
    public int[] shardIndices(Split split, int epoch, int step, int shard, int shards) {
        if (shards < 1 || batchSize % shards != 0) {
            throw new IllegalArgumentException("search.batch = " + batchSize + " must be divisible by "
                    + "spark.partitions = " + shards);
        }
        if (shard < 0 || shard >= shards) {
            throw new IllegalArgumentException("shard " + shard + " outside [0, " + shards + ")");
        }
        int part = batchSize / shards;
        return slice(split, epoch, step, step * batchSize + shard * part, part);
    }

    private int[] slice(Split split, int epoch, int step, int from, int length) {
        if (split == null) {
            throw new IllegalArgumentException("split must not be null");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (step < 0 || step >= stepsPerEpoch()) {
            throw new IllegalArgumentException("step " + step + " outside [0, " + stepsPerEpoch() + ")");
        }
        int[] perm = permutation(split, epoch);
        int[] out = new int[length];
        System.arraycopy(perm, from, out, 0, length);
        return out;
    }

    /** The epoch's permutation of 0..recordsPerSplit−1 (Fisher–Yates, Durstenfeld form). */
    int[] permutation(Split split, int epoch) {
        int[] perm = new int[recordsPerSplit];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(mix(seed, split, epoch));
        for (int i = perm.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        return perm;
    }

    /** Mixes the three values by chained SplitMix64 finalisers (each input fully avalanches). */
    static long mix(long seed, Split split, int epoch) {
        long h = fmix(seed + 0x9E3779B97F4A7C15L);
        h = fmix(h ^ (split.ordinal() + 1L) * 0xC2B2AE3D27D4EB4FL);
        return fmix(h ^ (epoch + 1L) * 0x165667B19E3779F9L);
    }

    /** SplitMix64 / Stafford variant 13 finaliser: a bijection on 64-bit values. */
    static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
