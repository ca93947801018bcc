package ai.sparknas.driver.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Reads MNIST / Fashion-MNIST IDX files (raw or gzip, detected by content). Only unsigned-byte data
 * (type 0x08) is supported: images have 3 dimensions (n, rows, cols), labels 1 (n). A record range
 * can be read without decoding the records before it.
 */
public final class IdxReader {
    /** Magic of an IDX unsigned-byte image file (3 dimensions). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic of an IDX unsigned-byte label file (1 dimension). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int TYPE_UBYTE = 0x08;
    private static final int MAX_DIMS = 8;
    private static final int CHUNK = 1 << 20;

    private IdxReader() {
    }

    /**
     * Reads a record range of an image file and its label file.
     *
     * @param name    dataset name used in the result and in error messages
     * @param images  the IDX image file (3 dims)
     * @param labels  the IDX label file (1 dim)
     * @param from    first record to read
     * @param count   number of records, or -1 for all records from {@code from} to the end
     * @param classes number of classes; labels must be below it
     * @return a 1-channel dataset with pixels scaled to [0, 1]
     * @throws CorruptDataException if a file is malformed, the files disagree, or the range is out of bounds
     * @throws IOException          if a file cannot be read (e.g. {@link java.nio.file.NoSuchFileException})
     */
    public static ImageDataset read(String name, InputStreamSupplier images, InputStreamSupplier labels,
                                    int from, int count, int classes) throws IOException {
        if (classes < 1) {
            throw new IllegalArgumentException(name + ": classes must be >= 1, got " + classes);
        }
        String imgWho = DataStreams.label(name, "images", images);
        String lblWho = DataStreams.label(name, "labels", labels);
        try (InputStream img = DataStreams.open(images); InputStream lbl = DataStreams.open(labels)) {
            int[] idims = readHeader(img, imgWho, true);
            int[] ldims = readHeader(lbl, lblWho, false);
            if (idims[0] != ldims[0]) {
                throw new CorruptDataException(name + ": image/label count mismatch: " + imgWho + " declares "
                        + idims[0] + " records but " + lblWho + " declares " + ldims[0]
                        + "; are both files from the same split (train vs t10k)?");
            }
            int n = DataStreams.resolveCount(name, idims[0], from, count);
            int rows = idims[1];
            int cols = idims[2];
            long floats = (long) n * rows * cols;
            if (floats > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(name + ": " + n + " records of " + rows + "x" + cols
                        + " do not fit one array; read a smaller range");
            }
            float[] pixels = readPixels(img, imgWho, idims[0], from, n, rows * cols, (int) floats);
            int[] lab = readLabels(lbl, lblWho, ldims[0], from, n, classes);
            return new ImageDataset(name, 1, rows, cols, classes, pixels, lab);
        }
    }

    /**
     * Reads a record range of local files, with 10 classes.
     *
     * @param images image file
     * @param labels label file
     * @param from   first record
     * @param count  number of records, or -1 for all to the end
     * @return the dataset, named after the image file
     * @throws IOException as {@link #read(String, InputStreamSupplier, InputStreamSupplier, int, int, int)}
     */
    public static ImageDataset read(Path images, Path labels, int from, int count) throws IOException {
        Path fn = images.getFileName();
        return read(fn == null ? images.toString() : fn.toString(),
                InputStreamSupplier.of(images), InputStreamSupplier.of(labels), from, count, 10);
    }

    /**
     * Reads only the header of an IDX unsigned-byte file, to learn the record count cheaply.
     *
     * @param input the file
     * @return the dimensions; element 0 is the record count
     * @throws IOException if the file cannot be read or has no valid IDX header
     */
    public static int[] header(InputStreamSupplier input) throws IOException {
        try (InputStream in = DataStreams.open(input)) {
            return readHeader(in, DataStreams.label(null, "IDX input", input), null);
        }
    }

    /**
     * Reads the whole file once: its header, exactly the bytes of the records it declares and nothing
     * after them. A gzip file is inflated to its end, where {@link java.util.zip.GZIPInputStream} checks
     * the trailer's CRC-32 and length, so damage anywhere (not only in the records a search reads) is
     * found before the first step. Reads at most one byte past the declared records, so an endless
     * input cannot hang it.
     *
     * @return the dimensions; element 0 is the record count
     * @throws CorruptDataException naming the file when it is truncated, longer than declared or damaged
     */
    public static int[] verify(InputStreamSupplier input) throws IOException {
        String who = DataStreams.label(null, "IDX input", input);
        try (InputStream in = DataStreams.open(input)) {
            int[] dims = readHeader(in, who, null);
            long bytes = 1;
            for (int d : dims) {
                bytes *= d;
            }
            long got = DataStreams.drain(in, bytes + 1);
            if (got < bytes) {
                throw new CorruptDataException(who + ": truncated file: the header declares " + dims[0] + " records ("
                        + bytes + " bytes after the header) but the file ends after " + got + "; re-download it");
            }
            if (got > bytes) {
                throw new CorruptDataException(who + ": the file goes on past the " + dims[0] + " records its header"
                        + " declares (" + bytes + " bytes); it is not an IDX file as written, re-download it");
            }
            return dims;
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new CorruptDataException(who + ": damaged gzip data (" + e.getMessage() + "): the file was corrupted"
                    + " in download or on disk; re-download it", e);
        }
    }

    /**
     * Path convenience for {@link #header(InputStreamSupplier)}.
     *
     * @param file the file
     * @return the dimensions; element 0 is the record count
     * @throws IOException if the file cannot be read or has no valid IDX header
     */
    public static int[] header(Path file) throws IOException {
        return header(InputStreamSupplier.of(file));
    }

    /** @param images true: expect an image file, false: a label file, null: any ubyte IDX file */
    private static int[] readHeader(InputStream in, String who, Boolean images) throws IOException {
        byte[] m = new byte[4];
        int got = DataStreams.readFully(in, m, 0, 4);
        if (got < 4) {
            throw new CorruptDataException(who + ": truncated: the file has only " + got
                    + " bytes, too short for an IDX header (4-byte magic number); re-download it");
        }
        int magic = ((m[0] & 0xff) << 24) | ((m[1] & 0xff) << 16) | ((m[2] & 0xff) << 8) | (m[3] & 0xff);
        int ndims = m[3] & 0xff;
        if (images != null) {
            int expected = images ? IMAGES_MAGIC : LABELS_MAGIC;
            if (magic != expected) {
                String guess = magic == LABELS_MAGIC ? "; is this the labels file?"
                        : magic == IMAGES_MAGIC ? "; is this the images file?"
                        : "; is this an uncompressed or gzip IDX file at all?";
                throw new CorruptDataException(String.format("%s: wrong magic number 0x%08x for an IDX %s file"
                        + " (expected 0x%08x)%s", who, magic, images ? "image" : "label", expected, guess));
            }
        } else if (m[0] != 0 || m[1] != 0 || (m[2] & 0xff) != TYPE_UBYTE || ndims < 1 || ndims > MAX_DIMS) {
            throw new CorruptDataException(String.format("%s: wrong magic number 0x%08x: expected 0x000008NN "
                    + "(unsigned-byte IDX with NN dimensions); is this an IDX file?", who, magic));
        }
        byte[] d = new byte[4 * ndims];
        got = DataStreams.readFully(in, d, 0, d.length);
        if (got < d.length) {
            throw new CorruptDataException(who + ": truncated: header declares " + ndims + " dimensions but the file"
                    + " ends " + (d.length - got) + " bytes into them; re-download it");
        }
        int[] dims = new int[ndims];
        for (int i = 0; i < ndims; i++) {
            int o = 4 * i;
            dims[i] = ((d[o] & 0xff) << 24) | ((d[o + 1] & 0xff) << 16) | ((d[o + 2] & 0xff) << 8) | (d[o + 3] & 0xff);
            // Dimension 0 may be 0 (empty file); sizes of a record must be positive.
            if (dims[i] < (i == 0 ? 0 : 1)) {
                throw new CorruptDataException(who + ": invalid dimension " + i + " = " + dims[i] + " in the header");
            }
        }
        return dims;
    }

    private static float[] readPixels(InputStream in, String who, int total, int from, int n, int recordBytes,
                                      int floats) throws IOException {
        long skipBytes = (long) from * recordBytes;
        long skipped = DataStreams.skip(in, skipBytes);
        if (skipped < skipBytes) {
            throw truncated(who, total, from, n, recordBytes, skipped, skipBytes + (long) n * recordBytes);
        }
        float[] out = new float[floats];
        byte[] buf = new byte[Math.min(CHUNK, Math.max(floats, 1))];
        int pos = 0;
        while (pos < floats) {
            int want = Math.min(buf.length, floats - pos);
            int got = DataStreams.readFully(in, buf, 0, want);
            for (int i = 0; i < got; i++) {
                out[pos + i] = (buf[i] & 0xff) / 255f;
            }
            pos += got;
            if (got < want) {
                throw truncated(who, total, from, n, recordBytes, skipBytes + pos, skipBytes + floats);
            }
        }
        return out;
    }

    private static int[] readLabels(InputStream in, String who, int total, int from, int n, int classes)
            throws IOException {
        long skipped = DataStreams.skip(in, from);
        byte[] buf = new byte[n];
        int got = skipped < from ? 0 : DataStreams.readFully(in, buf, 0, n);
        if (skipped < from || got < n) {
            throw truncated(who, total, from, n, 1, skipped + got, (long) from + n);
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int v = buf[i] & 0xff;
            if (v >= classes) {
                throw new CorruptDataException(who + ": label " + v + " at record " + (from + i)
                        + " is out of range for " + classes + " classes (valid 0.." + (classes - 1)
                        + "); is the class count configured for this dataset?");
            }
            out[i] = v;
        }
        return out;
    }

    private static CorruptDataException truncated(String who, int total, int from, int n, int recordBytes,
                                                  long haveBytes, long needBytes) {
        return new CorruptDataException(who + ": truncated file: the header declares " + total + " records of "
                + recordBytes + " bytes, but the data ends after " + haveBytes + " bytes past the header while"
                + " records [" + from + ", " + ((long) from + n) + ") need " + needBytes + " ("
                + (needBytes - haveBytes) + " bytes missing); the download or extraction was probably cut short,"
                + " re-download the file");
    }
}
