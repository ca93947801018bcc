package ai.sparknas.spark;

import com.esotericsoftware.kryo.Kryo;
import org.nd4j.kryo.Nd4jRegistrator;

/**
 * Kryo registrations for what the rounds ship, on top of dl4j-spark's {@link Nd4jRegistrator}
 * (INDArray and ND4J buffers, for anyone shipping them). The rounds themselves ship plain
 * {@code double[]}: measured faster than INDArray through Nd4jRegistrator (docs/performance.md).
 * Runs with {@code spark.kryo.registrationRequired=true}, so a class missing here fails loudly.
 */
public class SparkNasRegistrator extends Nd4jRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        super.registerClasses(kryo);
        kryo.register(double[].class);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(java.util.ArrayList.class);
        kryo.register(java.util.HashMap.class);
        kryo.register(PartitionSums.class);
        kryo.register(TreeSum.class);
        kryo.register(TreeSum.Node.class);
        kryo.register(float[].class);
        // a cached shard that a task on another executor fetches instead of re-reading it
        kryo.register(ai.sparknas.driver.data.Shard.class);
        kryo.register(ai.sparknas.driver.data.ImageDataset.class);
        kryo.register(ai.sparknas.driver.data.BatchPlan.class);
        kryo.register(RetrainShard.class);
    }
}
