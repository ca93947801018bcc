package ai.sparknas.driver.run;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * The files of one run directory, by path relative to it. The local file system implements it here;
 * spark-job implements it over a Hadoop {@code FileSystem} (HDFS, S3A, ...). Writes that must never be
 * seen half-done go through {@link #writeAtomically} (a temp file in the same directory, then a rename).
 */
public interface RunStorage {

    /** The full path or URI of {@code relative}, for messages. */
    String describe(String relative);

    boolean exists(String relative) throws IOException;

    byte[] read(String relative) throws IOException;

    /** Writes {@code content} to a temp file beside {@code relative}, then renames it over it. */
    void writeAtomically(String relative, byte[] content) throws IOException;

    /** Opens {@code relative} for appending, creating it when missing. */
    OutputStream append(String relative) throws IOException;

    /** The names of the files directly in {@code relativeDir}; empty when it does not exist. */
    List<String> list(String relativeDir) throws IOException;

    void delete(String relative) throws IOException;

    /**
     * Creates {@code relative} with {@code content} only if it does not exist; false when it does. Two
     * callers racing for the same name: exactly one gets true (the run lease relies on it).
     */
    boolean createExclusive(String relative, byte[] content) throws IOException;

    /**
     * Test hook: with the system property {@code sparknas.test.pause-mid-write} set to a file-name
     * prefix, an atomic write of a matching file stops halfway for that many seconds as given by
     * {@code sparknas.test.pause-seconds} (default 60), after printing a line to stderr, so that a
     * test can kill the process while a checkpoint is half-written.
     */
    static void pauseIfTesting(String relative) {
        String prefix = System.getProperty("sparknas.test.pause-mid-write");
        if (prefix == null || !relative.substring(relative.lastIndexOf('/') + 1).startsWith(prefix)) {
            return;
        }
        System.err.println("sparknas-test: paused writing " + relative);
        System.err.flush();
        try {
            Thread.sleep(1000L * Long.getLong("sparknas.test.pause-seconds", 60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
