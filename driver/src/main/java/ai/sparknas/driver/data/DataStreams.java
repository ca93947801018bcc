package ai.sparknas.driver.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Stream helpers shared by the readers. */
final class DataStreams {
    private static final int BUFFER = 1 << 16;

    private DataStreams() {
    }

    /** Opens the input, transparently gunzipping it when it starts with the gzip magic 0x1f 0x8b. */
    static InputStream open(InputStreamSupplier supplier) throws IOException {
        BufferedInputStream in = new BufferedInputStream(supplier.open(), BUFFER);
        try {
            // Detect by content, not by extension: files are often renamed or extracted without ".gz".
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return named(new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER),
                        label(null, "gzip input", supplier));
            }
            return in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * A gzip stream whose damage ("Unexpected end of ZLIB input stream", a bad CRC) is reported naming the
     * file and the fix, wherever it is read (the readers, the probe, an executor).
     */
    private static InputStream named(InputStream gz, String who) {
        return new java.io.FilterInputStream(gz) {
            private IOException damaged(IOException e) {
                return e instanceof CorruptDataException ? e : new CorruptDataException(who + ": damaged gzip data ("
                        + e.getMessage() + "): the file was corrupted in download or on disk; re-download it", e);
            }

            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (java.util.zip.ZipException | java.io.EOFException e) {
                    throw damaged(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (java.util.zip.ZipException | java.io.EOFException e) {
                    throw damaged(e);
                }
            }

            @Override
            public long skip(long n) throws IOException {
                try {
                    return super.skip(n);
                } catch (java.util.zip.ZipException | java.io.EOFException e) {
                    throw damaged(e);
                }
            }
        };
    }

    /** Skips up to {@code n} bytes; returns fewer only at end of stream. */
    static long skip(InputStream in, long n) throws IOException {
        long done = 0;
        while (done < n) {
            long s = in.skip(n - done);
            if (s <= 0) {
                // skip() may return 0 before EOF; a read tells the two apart.
                if (in.read() < 0) {
                    break;
                }
                s = 1;
            }
            done += s;
        }
        return done;
    }

    /** Reads and discards up to {@code max} bytes; returns how many there were (fewer only at end of stream). */
    static long drain(InputStream in, long max) throws IOException {
        byte[] buf = new byte[BUFFER];
        long done = 0;
        while (done < max) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, max - done));
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /** Reads up to {@code len} bytes; returns fewer only at end of stream. */
    static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        return in.readNBytes(b, off, len);
    }

    /** "name role (description)" prefix for error messages. */
    static String label(String name, String role, InputStreamSupplier s) {
        String d = s.description();
        StringBuilder sb = new StringBuilder();
        if (name != null && !name.isEmpty()) {
            sb.append(name).append(' ');
        }
        sb.append(role);
        if (d != null && !d.isEmpty()) {
            sb.append(" (").append(d).append(')');
        }
        return sb.toString();
    }

    /** Rejects from < 0 or count < -1: a caller bug, independent of the data. */
    static void checkRangeArgs(String who, int from, int count) {
        if (from < 0 || count < -1) {
            throw new IllegalArgumentException(who + ": invalid record range from=" + from + ", count=" + count
                    + " (from must be >= 0, count >= 0 or -1 for 'to the end')");
        }
    }

    /** Validates from/count (count -1 = to the end) against {@code total} records. */
    static int resolveCount(String who, long total, int from, int count) throws CorruptDataException {
        checkRangeArgs(who, from, count);
        long want = count == -1 ? total - from : count;
        if (from > total || want < 0 || from + want > total) {
            throw new CorruptDataException(who + ": record range [" + from + ", "
                    + (count == -1 ? "end" : String.valueOf((long) from + count))
                    + ") is out of bounds: the data holds " + total + " records; choose from <= " + total
                    + " and count <= records - from (or -1)");
        }
        return (int) want;
    }
}
