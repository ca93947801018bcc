package ai.sparknas.spark;

import ai.sparknas.driver.bench.Bench;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * What a round ships, through Spark's KryoSerializer with our registrator: an INDArray (dl4j-spark's
 * Nd4jRegistrator serializer) against a plain {@code double[]} and {@code float[]} of the same
 * length. Median serialize + deserialize times; one JSON line per payload and size.
 */
final class SerializerBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SerializerBench() {
    }

    static void run(List<Integer> sizes, int reps, PrintStream out) throws Exception {
        SerializerInstance kryo = new KryoSerializer(SparkConfDefaults.apply(new SparkConf())).newInstance();
        for (int n : sizes) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = Math.sin(i);
            }
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) d[i];
            }
            INDArray a64 = Nd4j.createFromArray(d);
            INDArray a32 = a64.castTo(DataType.FLOAT);
            time(kryo, "double[]", d, n, reps, out);
            time(kryo, "float[]", f, n, reps, out);
            time(kryo, "INDArray float64 (Nd4jRegistrator)", a64, n, reps, out);
            time(kryo, "INDArray float32 (Nd4jRegistrator)", a32, n, reps, out);
        }
    }

    private static void time(SerializerInstance kryo, String what, Object value, int n, int reps, PrintStream out)
            throws Exception {
        ClassTag<Object> tag = ClassTag$.MODULE$.apply(Object.class);
        List<Double> ser = new ArrayList<>();
        List<Double> de = new ArrayList<>();
        int bytes = 0;
        for (int r = 0; r < reps + 2; r++) {
            long t0 = System.nanoTime();
            ByteBuffer buf = kryo.serialize(value, tag);
            long t1 = System.nanoTime();
            Object back = kryo.deserialize(buf, tag);
            long t2 = System.nanoTime();
            if (back == null) {
                throw new IllegalStateException("nothing came back");
            }
            bytes = buf.remaining();
            if (r >= 2) { // two warm-up rounds
                ser.add((t1 - t0) / 1e6);
                de.add((t2 - t1) / 1e6);
            }
        }
        out.println(JSON.writeValueAsString(JSON.createObjectNode().put("payload", what).put("elements", n)
                .put("bytes", bytes).put("reps", reps).put("median_serialize_ms", Bench.median(ser))
                .put("median_deserialize_ms", Bench.median(de))));
    }
}
