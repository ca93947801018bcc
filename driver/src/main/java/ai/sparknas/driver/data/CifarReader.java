package ai.sparknas.driver.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads CIFAR-10 / CIFAR-100 binary batches. Several files are read as one concatenated sequence of
 * records, so a range may span file boundaries. Records before the range are skipped, not decoded.
 */
public final class CifarReader {
    private static final int SIDE = 32;
    private static final int CHUNK_RECORDS = 256;

    private CifarReader() {
    }

    /**
     * Reads a record range of the concatenation of {@code files}.
     *
     * @param name    dataset name used in the result and in error messages
     * @param files   the batch files in order (raw or gzip, detected by content)
     * @param variant record layout
     * @param from    first record (over all files)
     * @param count   number of records, or -1 for all records from {@code from} to the end
     * @return a 3x32x32 dataset with pixels scaled to [0, 1], channel planes R, G, B
     * @throws CorruptDataException if a file is not a whole number of records, a label is out of range,
     *                              or the range is out of bounds
     * @throws IOException          if a file cannot be read
     */
    public static ImageDataset read(String name, List<InputStreamSupplier> files, CifarVariant variant,
                                    int from, int count) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException(name + ": no " + variant.displayName() + " files given");
        }
        DataStreams.checkRangeArgs(name, from, count);
        int rec = variant.recordBytes();
        long toSkip = from;
        long remaining = count == -1 ? Long.MAX_VALUE : count;
        Accumulator acc = new Accumulator(count == -1 ? CHUNK_RECORDS : Math.min(count, 1 << 16), variant.classes());
        byte[] buf = new byte[CHUNK_RECORDS * rec];
        for (InputStreamSupplier file : files) {
            if (remaining == 0) {
                break; // later files are not opened: nothing more is needed
            }
            String who = DataStreams.label(name, variant.displayName() + " file", file);
            try (InputStream in = DataStreams.open(file)) {
                long skipBytes = toSkip * rec;
                long fileBytes = DataStreams.skip(in, skipBytes);
                if (fileBytes < skipBytes) {
                    checkWhole(who, variant, fileBytes);
                    toSkip -= fileBytes / rec; // the whole file lies before the range
                    continue;
                }
                toSkip = 0;
                while (remaining > 0) {
                    int want = (int) Math.min(remaining, CHUNK_RECORDS) * rec;
                    long firstInFile = fileBytes / rec;
                    int got = DataStreams.readFully(in, buf, 0, want);
                    fileBytes += got;
                    if (got < want) {
                        checkWhole(who, variant, fileBytes);
                    }
                    int records = got / rec;
                    acc.add(who, buf, records, variant, firstInFile);
                    remaining -= records;
                    if (got < want) {
                        break; // end of this file
                    }
                }
            }
        }
        if (toSkip > 0 || (count != -1 && remaining > 0)) {
            long total = (long) from - toSkip + acc.size;
            DataStreams.resolveCount(name, total, from, count); // throws the out-of-bounds error
        }
        return acc.build(name, variant.classes());
    }

    /**
     * Path convenience for {@link #read(String, List, CifarVariant, int, int)}.
     *
     * @param name    dataset name
     * @param files   local batch files in order
     * @param variant record layout
     * @param from    first record
     * @param count   number of records, or -1 for all to the end
     * @return the dataset
     * @throws IOException as the stream variant
     */
    public static ImageDataset readPaths(String name, List<Path> files, CifarVariant variant, int from, int count)
            throws IOException {
        List<InputStreamSupplier> s = new ArrayList<>(files.size());
        for (Path p : files) {
            s.add(InputStreamSupplier.of(p));
        }
        return read(name, s, variant, from, count);
    }

    /**
     * Counts the records of uncompressed local batch files from their sizes, without reading them.
     *
     * @param files   local batch files
     * @param variant record layout
     * @return total number of records
     * @throws CorruptDataException if a file is not a whole number of records
     * @throws IOException          if a file cannot be accessed
     */
    public static long recordCount(List<Path> files, CifarVariant variant) throws IOException {
        long total = 0;
        for (Path p : files) {
            long size = Files.size(p);
            checkWhole(DataStreams.label(null, variant.displayName() + " file", InputStreamSupplier.of(p)),
                    variant, size);
            total += size / variant.recordBytes();
        }
        return total;
    }

    private static void checkWhole(String who, CifarVariant v, long fileBytes) throws CorruptDataException {
        int rec = v.recordBytes();
        if (fileBytes % rec != 0) {
            throw new CorruptDataException(who + ": truncated or not a " + v.displayName() + " binary batch: its "
                    + fileBytes + " bytes are not a multiple of the " + rec + "-byte record (" + fileBytes / rec
                    + " whole records + " + fileBytes % rec + " extra bytes, " + (rec - fileBytes % rec)
                    + " bytes missing for the last record); re-download or re-extract it, and check the variant");
        }
    }

    /** Growable decoded records; exact-sized when the count is known up front. */
    private static final class Accumulator {
        private final int classes;
        private float[] pixels;
        private int[] labels;
        private int size;

        Accumulator(int capacity, int classes) {
            this.classes = classes;
            this.pixels = new float[Math.multiplyExact(capacity, CifarVariant.PIXEL_BYTES)];
            this.labels = new int[capacity];
        }

        void add(String who, byte[] buf, int records, CifarVariant v, long firstInFile)
                throws CorruptDataException {
            if (size + records > labels.length) {
                int cap = Math.max(size + records, labels.length * 2);
                labels = Arrays.copyOf(labels, cap);
                pixels = Arrays.copyOf(pixels, Math.multiplyExact(cap, CifarVariant.PIXEL_BYTES));
            }
            int rec = v.recordBytes();
            for (int r = 0; r < records; r++) {
                int base = r * rec;
                int label = buf[base + v.labelBytes() - 1] & 0xff; // CIFAR-100: fine label is the 2nd byte
                if (label >= classes) {
                    throw new CorruptDataException(who + ": label " + label + " at record " + (firstInFile + r)
                            + " of this file is out of range for " + classes
                            + " classes; is this a " + v.displayName() + " file?");
                }
                labels[size + r] = label;
                int dst = (size + r) * CifarVariant.PIXEL_BYTES;
                int src = base + v.labelBytes();
                // The file is already planar R, G, B row-major, i.e. CHW: copy straight through.
                for (int i = 0; i < CifarVariant.PIXEL_BYTES; i++) {
                    pixels[dst + i] = (buf[src + i] & 0xff) / 255f;
                }
            }
            size += records;
        }

        ImageDataset build(String name, int classes) {
            float[] p = pixels.length == size * CifarVariant.PIXEL_BYTES ? pixels
                    : Arrays.copyOf(pixels, size * CifarVariant.PIXEL_BYTES);
            int[] l = labels.length == size ? labels : Arrays.copyOf(labels, size);
            return new ImageDataset(name, 3, SIDE, SIDE, classes, p, l);
        }
    }
}
