package ai.sparknas.driver.search;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** {@code <output>/<run-id>/}: results are written to a temp file and renamed, never half-written. */
public final class RunDirectory {

    private final Path dir;

    private RunDirectory(Path dir) {
        this.dir = dir;
    }

    /** Creates the run directory; an empty id gets a timestamp. Fails clearly when not writable. */
    public static RunDirectory create(String output, String id) throws IOException {
        String runId = id.isEmpty() ? "search-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) : id;
        Path dir = Path.of(output).resolve(runId);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create the run directory " + dir + " (" + e + "): set run.output to a writable"
                    + " directory", e);
        }
        if (!Files.isWritable(dir)) {
            throw new AccessDeniedException(dir.toString(), null, "run directory is not writable: set run.output to a "
                    + "writable directory");
        }
        if (Files.exists(dir.resolve("genotype.json"))) {
            throw new IOException("run directory " + dir + " already holds a finished search (genotype.json): choose"
                    + " another run.id or remove it");
        }
        return new RunDirectory(dir);
    }

    public Path path() {
        return dir;
    }

    public Path resolve(String name) {
        return dir.resolve(name);
    }

    /** Writes {@code name} atomically: a temp file in the same directory, then a rename. */
    public void writeAtomically(String name, String content) throws IOException {
        Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
