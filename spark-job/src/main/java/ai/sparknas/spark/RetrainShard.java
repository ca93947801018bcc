package ai.sparknas.spark;

import ai.sparknas.driver.data.ImageDataset;
import ai.sparknas.driver.data.Shard;
import java.io.Serializable;

/**
 * One partition's data of a re-training: its shard of the training records (the batches it draws)
 * and its slice of the test records (what it evaluates). A plain class with a no-argument
 * constructor, for Kryo.
 */
final class RetrainShard implements Serializable {

    private static final long serialVersionUID = 1L;

    Shard train;
    ImageDataset test;

    /** For Kryo. */
    RetrainShard() {
    }

    RetrainShard(Shard train, ImageDataset test) {
        this.train = train;
        this.test = test;
    }
}
