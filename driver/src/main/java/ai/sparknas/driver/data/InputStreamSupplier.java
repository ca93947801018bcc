package ai.sparknas.driver.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Opens a fresh stream over one data file each time it is called. Readers call it at most once per
 * read and close the stream; a Hadoop {@code FileSystem} layer can implement it with {@code fs.open}.
 */
@FunctionalInterface
public interface InputStreamSupplier {

    /**
     * @return a new stream positioned at the start of the data (raw or gzip-compressed)
     * @throws IOException if the input cannot be opened
     */
    InputStream open() throws IOException;

    /** @return a human-readable name of the input for error messages (a path), or null if unknown */
    default String description() {
        return null;
    }

    /**
     * A supplier for a local file. A missing file is reported as a {@link NoSuchFileException} whose
     * message names the path and, for the system dataset directory, the package that provides it.
     *
     * @param path the file
     * @return a supplier that describes itself by the path
     */
    static InputStreamSupplier of(Path path) {
        Objects.requireNonNull(path, "path");
        return named(path.toString(), () -> {
            // a FIFO blocks at open and a device (/dev/zero, /dev/urandom) never ends: only regular files are data
            if (Files.exists(path) && !Files.isRegularFile(path)) {
                throw new CorruptDataException(path + ": not a regular file (" + (Files.isDirectory(path) ? "a directory"
                        : "a device, FIFO or socket") + "): give the path of a data file");
            }
            try {
                return Files.newInputStream(path);
            } catch (java.nio.file.AccessDeniedException e) {
                throw new java.nio.file.AccessDeniedException(path.toString(), null,
                        "permission denied: make the data file readable by this user");
            } catch (NoSuchFileException e) {
                NoSuchFileException better = new NoSuchFileException(path.toString(), null, missingHint(path));
                better.initCause(e);
                throw better;
            }
        });
    }

    /**
     * Attaches a description to a supplier (lambdas cannot override {@link #description()}).
     *
     * @param description name of the input used in error messages
     * @param supplier    the stream source
     * @return a supplier delegating to {@code supplier}
     */
    static InputStreamSupplier named(String description, InputStreamSupplier supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return new InputStreamSupplier() {
            @Override
            public InputStream open() throws IOException {
                return supplier.open();
            }

            @Override
            public String description() {
                return description;
            }
        };
    }

    private static String missingHint(Path path) {
        String abs = path.toAbsolutePath().normalize().toString();
        if (abs.startsWith("/usr/share/datasets/")) {
            return "data file does not exist; the system datasets are installed by packages, e.g. "
                    + "'apt-get install dataset-fashion-mnist'";
        }
        return "data file does not exist; check the data path in the configuration";
    }
}
