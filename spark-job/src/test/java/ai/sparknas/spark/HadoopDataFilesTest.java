package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopDataFilesTest {

    @TempDir
    Path dir;

    @Test
    void readsSchemeLessAndFileUris() throws Exception {
        Path f = dir.resolve("a b.bin");
        byte[] bytes = {1, 2, 3, 4, 5};
        Files.write(f, bytes);
        HadoopDataFiles files = HadoopDataFiles.fromSparkSettings(Map.of());
        for (String path : new String[] {f.toString(), "file://" + f}) {
            try (InputStream in = files.open(path).open()) {
                assertArrayEquals(bytes, in.readAllBytes(), path);
            }
        }
    }

    @Test
    void missingFileNamesThePathAndTheFix() {
        HadoopDataFiles files = HadoopDataFiles.fromSparkSettings(Map.of());
        String missing = dir.resolve("missing.gz").toString();
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> files.open(missing).open());
        assertTrue(e.getMessage().contains(missing) && e.getMessage().contains("every executor can read"),
                e.getMessage());
    }

    @Test
    void unknownSchemeIsAnIoErrorNamingIt() {
        HadoopDataFiles files = HadoopDataFiles.fromSparkSettings(Map.of());
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> files.open("nosuchfs://x/y").open());
        assertTrue(e.getMessage().contains("nosuchfs"), e.getMessage());
    }
}
