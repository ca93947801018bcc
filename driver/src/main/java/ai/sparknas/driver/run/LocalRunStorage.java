package ai.sparknas.driver.run;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A run directory on the local file system. */
public final class LocalRunStorage implements RunStorage {

    private final Path dir;

    public LocalRunStorage(Path dir) {
        this.dir = dir;
    }

    @Override
    public String describe(String relative) {
        return dir.resolve(relative).toString();
    }

    @Override
    public boolean exists(String relative) {
        return Files.exists(dir.resolve(relative));
    }

    @Override
    public byte[] read(String relative) throws IOException {
        Path p = dir.resolve(relative);
        try {
            return Files.readAllBytes(p);
        } catch (java.nio.file.FileSystemException e) {
            throw e; // names the path itself
        } catch (IOException e) { // "Is a directory" and the like name nothing
            throw new IOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void writeAtomically(String relative, byte[] content) throws IOException {
        Path target = dir.resolve(relative);
        Files.createDirectories(target.getParent());
        // a plain new file (the umask's permissions, unlike createTempFile's 0600), synced before the rename
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                int half = content.length / 2;
                writeFully(ch, java.nio.ByteBuffer.wrap(content, 0, half));
                RunStorage.pauseIfTesting(relative);
                writeFully(ch, java.nio.ByteBuffer.wrap(content, half, content.length - half));
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeFully(java.nio.channels.FileChannel ch, java.nio.ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Override
    public OutputStream append(String relative) throws IOException {
        Path target = dir.resolve(relative);
        Files.createDirectories(target.getParent());
        return Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    @Override
    public List<String> list(String relativeDir) throws IOException {
        Path d = dir.resolve(relativeDir);
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (Stream<Path> s = Files.list(d)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out;
    }

    @Override
    public void delete(String relative) throws IOException {
        Files.deleteIfExists(dir.resolve(relative));
    }

    @Override
    public boolean createExclusive(String relative, byte[] content) throws IOException {
        Path target = dir.resolve(relative);
        Files.createDirectories(target.getParent());
        // written whole under a temp name, then hard-linked to the target: the link fails if the target exists
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            Files.write(tmp, content);
            Files.createLink(target, tmp);
            return true;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException e) { // no hard links here: exclusive create, not atomic content
            try (var out = Files.newOutputStream(target, java.nio.file.StandardOpenOption.CREATE_NEW)) {
                out.write(content);
                return true;
            } catch (java.nio.file.FileAlreadyExistsException exists) {
                return false;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
