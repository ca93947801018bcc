package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * PartitionSums through the job's Kryo (registration required): every field comes back, and a vector of
 * float values (a float32 kernel's sums) travels in half the bytes with every bit kept.
 */
class PartitionSumsTest {

    private static final SerializerInstance KRYO = new KryoSerializer(SparkConfDefaults.apply(new SparkConf()))
            .newInstance();

    private static ByteBuffer write(PartitionSums s) {
        return KRYO.serialize(s, ClassTag$.MODULE$.apply(PartitionSums.class));
    }

    private static PartitionSums roundTrip(PartitionSums s) {
        return KRYO.deserialize(write(s), ClassTag$.MODULE$.apply(PartitionSums.class));
    }

    private static double[] doubles(Random rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    /** Sets every instance field to a value of its own, so that a field the codec forgets is noticed. */
    private static PartitionSums everyFieldSet(Random rng, boolean nested) throws IllegalAccessException {
        PartitionSums s = new PartitionSums();
        int k = 1;
        for (Field f : PartitionSums.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || Modifier.isTransient(f.getModifiers())) {
                continue; // transient: not sent (what the reader counts)
            }
            f.setAccessible(true);
            Class<?> t = f.getType();
            if (t == double.class) {
                f.setDouble(s, k + 0.25);
            } else if (t == long.class) {
                f.setLong(s, 1000L * k);
            } else if (t == int.class) {
                f.setInt(s, 7 * k);
            } else if (t == double[].class) {
                f.set(s, doubles(rng, 3 + k));
            } else if (t == PartitionSums.class) {
                f.set(s, nested ? everyFieldSet(rng, false) : null);
            } else {
                throw new AssertionError("PartitionSumsTest does not know the field type of " + f);
            }
            k++;
        }
        return s;
    }

    private static void assertSameFields(PartitionSums expected, PartitionSums actual) throws IllegalAccessException {
        for (Field f : PartitionSums.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || Modifier.isTransient(f.getModifiers())) {
                continue; // transient: not sent (what the reader counts)
            }
            f.setAccessible(true);
            Object e = f.get(expected);
            Object a = f.get(actual);
            if (e instanceof double[] ev) {
                assertArrayEquals(ev, (double[]) a, 0.0, f.getName());
            } else if (e instanceof PartitionSums ep) {
                assertNotNull(a, f.getName());
                assertSameFields(ep, (PartitionSums) a);
            } else {
                assertEquals(e, a, f.getName());
            }
        }
    }

    @Test
    void everyFieldComesBack() throws Exception {
        PartitionSums s = everyFieldSet(new Random(4), true);
        assertSameFields(s, roundTrip(s));
        PartitionSums empty = new PartitionSums(1.5, 2, 3, null, null);
        PartitionSums back = roundTrip(empty);
        assertNull(back.weightGrad);
        assertNull(back.val);
        assertEquals(1.5, back.lossSum);
    }

    @Test
    void floatValuedVectorsTravelAsFloatsWithEveryBitKept() {
        Random rng = new Random(8);
        int n = 100_000;
        double[] floats = new double[n];
        for (int i = 0; i < n; i++) {
            floats[i] = (float) rng.nextGaussian();
        }
        floats[0] = -0.0;
        floats[1] = Float.MIN_VALUE;
        floats[2] = Double.POSITIVE_INFINITY;
        double[] wide = floats.clone();
        wide[n - 1] = Math.nextUp(wide[n - 1]); // one entry that is not a float: the whole vector stays doubles
        double[] withNaN = floats.clone();
        withNaN[5] = Double.NaN;

        int narrowBytes = write(new PartitionSums(0, 0, 1, floats, null)).remaining();
        int wideBytes = write(new PartitionSums(0, 0, 1, wide, null)).remaining();
        assertTrue(narrowBytes < 4.1 * n && wideBytes > 8 * n, narrowBytes + " vs " + wideBytes + " bytes");
        // what the reader counts as arrived: the vectors' payload
        assertEquals(4L * n, roundTrip(new PartitionSums(0, 0, 1, floats, null)).resultBytes);
        assertEquals(8L * n + 4L * n, roundTrip(new PartitionSums(0, 0, 1, wide, floats)).resultBytes);
        for (double[] v : new double[][] {floats, wide, withNaN}) {
            double[] back = roundTrip(new PartitionSums(0, 0, 1, v, v)).weightGrad;
            for (int i = 0; i < n; i++) {
                assertEquals(Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits(back[i]), "entry " + i);
            }
        }
        assertTrue(Arrays.equals(floats, roundTrip(new PartitionSums(0, 0, 1, floats, null)).weightGrad));
    }
}
