package ai.sparknas.kernels.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mapping between named arrays and one flat vector: segment {@code k} occupies
 * {@code [offset_k, offset_k + size_k)} in declaration order, each segment in C order.
 */
public final class ParameterLayout {

    /** How a segment is initialised: uniform in ±scale, normal with std scale, or constant scale. */
    public enum Init { UNIFORM, NORMAL, CONSTANT }

    /** One named array inside the flat vector. */
    public record Segment(String name, long offset, long[] shape, Init init, double scale) {
        public long size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape) + "@" + offset;
        }
    }

    private final Map<String, Segment> segments = new LinkedHashMap<>();
    private long size;

    /** Appends a segment; names must be unique. */
    public Segment add(String name, Init init, double scale, long... shape) {
        if (segments.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter name " + name);
        }
        Segment s = new Segment(name, size, shape.clone(), init, scale);
        segments.put(name, s);
        size += s.size();
        return s;
    }

    public long size() {
        return size;
    }

    public Segment get(String name) {
        Segment s = segments.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no parameter named " + name);
        }
        return s;
    }

    public List<Segment> segments() {
        return Collections.unmodifiableList(new ArrayList<>(segments.values()));
    }

    public List<String> names() {
        return List.copyOf(segments.keySet());
    }

    /** The segment containing flat index {@code i}. */
    public Segment segmentAt(long i) {
        for (Segment s : segments.values()) {
            if (i >= s.offset() && i < s.offset() + s.size()) {
                return s;
            }
        }
        throw new IndexOutOfBoundsException("index " + i + " outside the flat vector of size " + size);
    }

    /**
     * Draws initial values for every segment from one seeded generator, in declaration order, so
     * the same layout and seed always give the same vector.
     */
    public double[] initialValues(long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        double[] v = new double[Math.toIntExact(size)];
        for (Segment s : segments.values()) {
            int from = (int) s.offset();
            int to = from + (int) s.size();
            for (int i = from; i < to; i++) {
                v[i] = switch (s.init()) {
                    case UNIFORM -> (2 * rng.nextDouble() - 1) * s.scale();
                    case NORMAL -> rng.nextGaussian() * s.scale();
                    case CONSTANT -> s.scale();
                };
            }
        }
        return v;
    }
}
