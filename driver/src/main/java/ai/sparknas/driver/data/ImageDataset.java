package ai.sparknas.driver.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An in-memory labelled image set. Pixels are one {@code float[]} in NCHW order: record {@code i}
 * occupies {@code [i*C*H*W, (i+1)*C*H*W)}. The arrays are owned by the dataset and returned without
 * copying, so that normalisation can work in place and large sets are not duplicated.
 */
public final class ImageDataset {
    private final String name;
    private final int channels;
    private final int height;
    private final int width;
    private final int classes;
    private final float[] pixels;
    private final int[] labels;

    /**
     * Wraps the given arrays (not copied).
     *
     * @param name     a name for logs and error messages
     * @param channels C, at least 1
     * @param height   H, at least 1
     * @param width    W, at least 1
     * @param classes  number of classes, at least 1; every label must be in {@code [0, classes)}
     * @param pixels   {@code n*C*H*W} values in NCHW order
     * @param labels   {@code n} class indices
     * @throws IllegalArgumentException if sizes or labels are inconsistent
     */
    public ImageDataset(String name, int channels, int height, int width, int classes, float[] pixels, int[] labels) {
        this.name = Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException(name + ": image shape must be positive, got C=" + channels
                    + " H=" + height + " W=" + width);
        }
        if (classes < 1) {
            throw new IllegalArgumentException(name + ": classes must be >= 1, got " + classes);
        }
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new IllegalArgumentException(name + ": pixels.length is " + pixels.length + " but " + labels.length
                    + " labels of " + channels + "x" + height + "x" + width + " images need " + expected);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of record " + i
                        + " is outside [0, " + classes + ")");
            }
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = classes;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** @return the dataset name */
    public String name() {
        return name;
    }

    /** @return number of records */
    public int size() {
        return labels.length;
    }

    /** @return channels C */
    public int channels() {
        return channels;
    }

    /** @return height H */
    public int height() {
        return height;
    }

    /** @return width W */
    public int width() {
        return width;
    }

    /** @return number of classes */
    public int classes() {
        return classes;
    }

    /** @return floats per record, {@code C*H*W} */
    public int imageSize() {
        return channels * height * width;
    }

    /** @return the backing pixel array (NCHW, not a copy) */
    public float[] pixels() {
        return pixels;
    }

    /** @return the backing label array (not a copy) */
    public int[] labels() {
        return labels;
    }

    /**
     * Copies contiguous records into a new dataset.
     *
     * @param from first record, inclusive
     * @param to   last record, exclusive
     * @return a dataset of {@code to - from} records with the same shape and name
     * @throws IndexOutOfBoundsException if not {@code 0 <= from <= to <= size()}
     */
    public ImageDataset range(int from, int to) {
        if (from < 0 || to < from || to > size()) {
            throw new IndexOutOfBoundsException(name + ": range [" + from + ", " + to
                    + ") is not within [0, " + size() + "]");
        }
        int is = imageSize();
        return new ImageDataset(name, channels, height, width, classes,
                Arrays.copyOfRange(pixels, from * is, to * is), Arrays.copyOfRange(labels, from, to));
    }

    /**
     * Copies one record's {@code C*H*W} pixels into {@code dst} starting at {@code dstOffset}.
     *
     * @param record    record index
     * @param dst       destination
     * @param dstOffset where the record starts in {@code dst}
     * @throws IndexOutOfBoundsException if the record or destination range is invalid
     */
    public void copyImage(int record, float[] dst, int dstOffset) {
        Objects.checkIndex(record, size());
        int is = imageSize();
        System.arraycopy(pixels, record * is, dst, dstOffset, is);
    }

    @Override
    public String toString() {
        return "ImageDataset[" + name + ", " + size() + " x " + channels + "x" + height + "x" + width
                + ", " + classes + " classes]";
    }
}
