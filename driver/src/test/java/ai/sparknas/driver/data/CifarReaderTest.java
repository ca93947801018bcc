package ai.sparknas.driver.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
    @TempDir
    Path dir;

    /** Two CIFAR-10 files: records 0..2 and 3..6. */
    private List<Path> twoFiles() throws IOException {
        return List.of(TestFiles.write(dir, "data_batch_1.bin", TestFiles.cifar(CifarVariant.CIFAR10, 0, 3)),
                TestFiles.write(dir, "data_batch_2.bin", TestFiles.cifar(CifarVariant.CIFAR10, 3, 4)));
    }

    private static void assertRecords(ImageDataset d, CifarVariant v, int first, int n) {
        assertEquals(n, d.size());
        assertEquals(3, d.channels());
        assertEquals(32, d.height());
        assertEquals(32, d.width());
        assertEquals(v.classes(), d.classes());
        for (int i = 0; i < n; i++) {
            int g = first + i;
            assertEquals((g * 7) % v.classes(), d.labels()[i], "label of record " + g);
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        int idx = ((i * 3 + ch) * 32 + y) * 32 + x;
                        assertEquals(TestFiles.cifarPixel(g, ch, y, x) / 255f, d.pixels()[idx], 0f,
                                "pixel " + g + "," + ch + "," + y + "," + x);
                    }
                }
            }
        }
    }

    @Test
    void concatenatesFilesAndRanges() throws IOException {
        List<Path> files = twoFiles();
        assertRecords(CifarReader.readPaths("c10", files, CifarVariant.CIFAR10, 0, -1), CifarVariant.CIFAR10, 0, 7);
        // Spans the boundary between the files.
        assertRecords(CifarReader.readPaths("c10", files, CifarVariant.CIFAR10, 2, 3), CifarVariant.CIFAR10, 2, 3);
        // Starts in the second file: the first is skipped whole.
        assertRecords(CifarReader.readPaths("c10", files, CifarVariant.CIFAR10, 4, -1), CifarVariant.CIFAR10, 4, 3);
        assertRecords(CifarReader.readPaths("c10", files, CifarVariant.CIFAR10, 3, 4), CifarVariant.CIFAR10, 3, 4);
        assertEquals(7, CifarReader.recordCount(files, CifarVariant.CIFAR10));
    }

    @Test
    void channelPlanesKeptInFileOrder() throws IOException {
        ImageDataset d = CifarReader.readPaths("c10", twoFiles(), CifarVariant.CIFAR10, 1, 1);
        // Record 1: R plane starts at 11, G at 61, B at 111 (pixel (0,0)).
        assertEquals(11 / 255f, d.pixels()[0], 0f);
        assertEquals(61 / 255f, d.pixels()[1024], 0f);
        assertEquals(111 / 255f, d.pixels()[2048], 0f);
        assertEquals(7, d.labels()[0]);
    }

    @Test
    void cifar100UsesFineLabel() throws IOException {
        Path f = TestFiles.write(dir, "train.bin", TestFiles.cifar(CifarVariant.CIFAR100, 0, 20));
        ImageDataset d = CifarReader.readPaths("c100", List.of(f), CifarVariant.CIFAR100, 0, -1);
        assertRecords(d, CifarVariant.CIFAR100, 0, 20);
        assertEquals(7 * 19 % 100, d.labels()[19]); // 33, while the coarse label would be 19
        assertRecords(CifarReader.readPaths("c100", List.of(f), CifarVariant.CIFAR100, 15, 5),
                CifarVariant.CIFAR100, 15, 5);
    }

    @Test
    void gzipFileDetected() throws IOException {
        Path f = TestFiles.write(dir, "batch", TestFiles.gzip(TestFiles.cifar(CifarVariant.CIFAR10, 0, 3)));
        assertRecords(CifarReader.readPaths("c10", List.of(f), CifarVariant.CIFAR10, 1, 2), CifarVariant.CIFAR10, 1, 2);
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] full = TestFiles.cifar(CifarVariant.CIFAR10, 0, 3);
        Path f = TestFiles.write(dir, "cut.bin", Arrays.copyOf(full, full.length - 100));
        CorruptDataException e = assertThrows(CorruptDataException.class,
                () -> CifarReader.readPaths("c10", List.of(f), CifarVariant.CIFAR10, 0, -1));
        assertMessage(e, f.toString(), "truncated", "9119 bytes", "3073-byte record", "100 bytes missing");
        // Also found while skipping over the file to reach the next one.
        List<Path> files = List.of(f, TestFiles.write(dir, "ok.bin", TestFiles.cifar(CifarVariant.CIFAR10, 3, 1)));
        assertMessage(assertThrows(CorruptDataException.class,
                () -> CifarReader.readPaths("c10", files, CifarVariant.CIFAR10, 3, 1)), "cut.bin", "truncated");
        assertMessage(assertThrows(CorruptDataException.class,
                () -> CifarReader.recordCount(List.of(f), CifarVariant.CIFAR10)), "cut.bin", "not a multiple");
        // CIFAR-100 files read as CIFAR-10 do not divide into records either.
        Path c100 = TestFiles.write(dir, "c100.bin", TestFiles.cifar(CifarVariant.CIFAR100, 0, 3));
        assertMessage(assertThrows(CorruptDataException.class,
                () -> CifarReader.readPaths("x", List.of(c100), CifarVariant.CIFAR10, 0, -1)), "c100.bin");
    }

    @Test
    void labelOutOfRange() throws IOException {
        byte[] b = TestFiles.cifar(CifarVariant.CIFAR10, 0, 3);
        b[2 * 3073] = 10;
        Path f = TestFiles.write(dir, "badlabel.bin", b);
        CorruptDataException e = assertThrows(CorruptDataException.class,
                () -> CifarReader.readPaths("c10", List.of(f), CifarVariant.CIFAR10, 0, -1));
        assertMessage(e, "badlabel.bin", "label 10 at record 2", "out of range for 10 classes");
    }

    @Test
    void rangeOutOfBounds() throws IOException {
        List<Path> files = twoFiles();
        assertMessage(assertThrows(CorruptDataException.class,
                () -> CifarReader.readPaths("c10", files, CifarVariant.CIFAR10, 5, 3)), "c10", "out of bounds",
                "holds 7 records");
        assertMessage(assertThrows(CorruptDataException.class,
                () -> CifarReader.readPaths("c10", files, CifarVariant.CIFAR10, 8, -1)), "out of bounds",
                "holds 7 records");
        assertEquals(0, CifarReader.readPaths("c10", files, CifarVariant.CIFAR10, 7, -1).size());
        assertThrows(IllegalArgumentException.class,
                () -> CifarReader.readPaths("c10", files, CifarVariant.CIFAR10, -1, 1));
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }
}
