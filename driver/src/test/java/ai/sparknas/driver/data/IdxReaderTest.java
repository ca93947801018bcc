package ai.sparknas.driver.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    private static final int N = 6;
    private static final int ROWS = 4;
    private static final int COLS = 5;

    @TempDir
    Path dir;

    private static void assertRecords(ImageDataset d, int first, int n) {
        assertEquals(n, d.size());
        assertEquals(1, d.channels());
        assertEquals(ROWS, d.height());
        assertEquals(COLS, d.width());
        assertEquals(10, d.classes());
        for (int i = 0; i < n; i++) {
            assertEquals(TestFiles.label(first + i), d.labels()[i], "label " + i);
            for (int r = 0; r < ROWS; r++) {
                for (int c = 0; c < COLS; c++) {
                    float expected = TestFiles.pixel(first + i, r, c) / 255f;
                    assertEquals(expected, d.pixels()[(i * ROWS + r) * COLS + c], 0f, "pixel " + i + "," + r + "," + c);
                }
            }
        }
    }

    private Path images(String name) throws IOException {
        return TestFiles.write(dir, name, TestFiles.idxImages(N, ROWS, COLS));
    }

    private Path labels(String name) throws IOException {
        return TestFiles.write(dir, name, TestFiles.idxLabels(N));
    }

    @Test
    void readsRawFilesExactly() throws IOException {
        ImageDataset d = IdxReader.read(images("img"), labels("lbl"), 0, -1);
        assertRecords(d, 0, N);
        assertEquals("img", d.name());
        // (i*7 + r*3 + c) % 256 for i=5, r=3, c=4 is 48.
        assertEquals(48 / 255f, d.pixels()[d.pixels().length - 1], 0f);
    }

    @Test
    void readsGzipFilesAndRange() throws IOException {
        Path img = TestFiles.write(dir, "img.gz", TestFiles.gzip(TestFiles.idxImages(N, ROWS, COLS)));
        Path lbl = TestFiles.write(dir, "lbl.gz", TestFiles.gzip(TestFiles.idxLabels(N)));
        assertRecords(IdxReader.read(img, lbl, 0, -1), 0, N);
        assertRecords(IdxReader.read(img, lbl, 2, 3), 2, 3);
        assertRecords(IdxReader.read(img, lbl, 4, -1), 4, 2);
        assertRecords(IdxReader.read(img, lbl, N, -1), N, 0);
    }

    @Test
    void rangeOfRawFiles() throws IOException {
        assertRecords(IdxReader.read(images("img"), labels("lbl"), 2, 3), 2, 3);
    }

    @Test
    void gzipDetectedByContentNotExtension() throws IOException {
        Path img = TestFiles.write(dir, "train-images-idx3-ubyte", TestFiles.gzip(TestFiles.idxImages(N, ROWS, COLS)));
        Path lbl = TestFiles.write(dir, "train-labels-idx1-ubyte", TestFiles.gzip(TestFiles.idxLabels(N)));
        assertRecords(IdxReader.read(img, lbl, 1, 4), 1, 4);
    }

    @Test
    void headerGivesDims() throws IOException {
        assertArrayEquals(new int[] {N, ROWS, COLS}, IdxReader.header(images("img")));
        Path gz = TestFiles.write(dir, "l", TestFiles.gzip(TestFiles.idxLabels(N)));
        assertArrayEquals(new int[] {N}, IdxReader.header(gz));
    }

    @Test
    void streamSuppliersWithCustomClasses() throws IOException {
        byte[] img = TestFiles.idxImages(N, ROWS, COLS);
        byte[] lbl = TestFiles.idxLabels(N);
        ImageDataset d = IdxReader.read("mem", () -> new java.io.ByteArrayInputStream(img),
                () -> new java.io.ByteArrayInputStream(lbl), 1, 2, 10);
        assertEquals("mem", d.name());
        assertRecords(d, 1, 2);
    }

    private CorruptDataException corrupt(Path img, Path lbl, int from, int count) {
        return assertThrows(CorruptDataException.class, () -> IdxReader.read(img, lbl, from, count));
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void truncatedImagesFile() throws IOException {
        byte[] full = TestFiles.idxImages(N, ROWS, COLS);
        Path img = TestFiles.write(dir, "short-images", Arrays.copyOf(full, full.length - 7));
        CorruptDataException e = corrupt(img, labels("lbl"), 0, -1);
        assertMessage(e, img.toString(), "truncated", "declares 6 records", "7 bytes missing");
        // A range entirely before the cut still reads: only what is needed is read.
        assertRecords(IdxReader.read(img, labels("lbl"), 0, 5), 0, 5);
        // Truncated inside the records being skipped.
        Path tiny = TestFiles.write(dir, "tiny-images", Arrays.copyOf(full, 16 + 10));
        assertMessage(corrupt(tiny, labels("lbl"), 3, 1), "truncated", "tiny-images");
    }

    @Test
    void truncatedGzipImagesFile() throws IOException {
        byte[] full = TestFiles.idxImages(N, ROWS, COLS);
        Path img = TestFiles.write(dir, "short.gz", TestFiles.gzip(Arrays.copyOf(full, full.length - 20)));
        assertMessage(corrupt(img, labels("lbl"), 0, -1), "short.gz", "truncated", "20 bytes missing");
    }

    @Test
    void verifyReadsTheWholeFileAndChecksTheGzipTrailer() throws IOException {
        byte[] gz = TestFiles.gzip(TestFiles.idxImages(N, ROWS, COLS));
        Path good = TestFiles.write(dir, "good.gz", gz);
        assertArrayEquals(new int[] {N, ROWS, COLS}, IdxReader.verify(InputStreamSupplier.of(good)));
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 8] ^= 0x01; // the CRC-32 of the trailer: every record inflates fine
        Path bad = TestFiles.write(dir, "bad-crc.gz", badCrc);
        // reading the first records stops before the trailer and does not notice: why the probe reads it whole
        assertRecords(IdxReader.read(bad, labels("lbl"), 0, 2), 0, 2);
        assertMessage(assertThrows(CorruptDataException.class, () -> IdxReader.verify(InputStreamSupplier.of(bad))),
                bad.toString(), "damaged gzip data", "re-download");
        byte[] badData = gz.clone();
        badData[gz.length / 2] ^= 0x5a; // inside the deflate stream
        Path broken = TestFiles.write(dir, "broken.gz", badData);
        assertMessage(assertThrows(CorruptDataException.class, () -> IdxReader.verify(InputStreamSupplier.of(broken))),
                broken.toString());
    }

    @Test
    void verifyRefusesTruncatedAndOverlongRawFiles() throws IOException {
        byte[] full = TestFiles.idxImages(N, ROWS, COLS);
        Path shortFile = TestFiles.write(dir, "short-raw", Arrays.copyOf(full, full.length - 3));
        assertMessage(assertThrows(CorruptDataException.class, () -> IdxReader.verify(InputStreamSupplier.of(shortFile))),
                "short-raw", "truncated", "declares 6 records");
        Path longFile = TestFiles.write(dir, "long-raw", Arrays.copyOf(full, full.length + 5));
        assertMessage(assertThrows(CorruptDataException.class, () -> IdxReader.verify(InputStreamSupplier.of(longFile))),
                "long-raw", "goes on past the 6 records");
        // an endless input is read only one byte past the declared records
        byte[] header = Arrays.copyOf(full, 16);
        InputStreamSupplier endless = InputStreamSupplier.named("endless", () -> new java.io.SequenceInputStream(
                new java.io.ByteArrayInputStream(header), new java.io.InputStream() {
                    @Override
                    public int read() {
                        return 7;
                    }
                }));
        assertMessage(assertThrows(CorruptDataException.class, () -> IdxReader.verify(endless)), "endless", "goes on past");
    }

    @Test
    void truncatedLabelsFile() throws IOException {
        byte[] full = TestFiles.idxLabels(N);
        Path lbl = TestFiles.write(dir, "short-labels", Arrays.copyOf(full, full.length - 2));
        CorruptDataException e = corrupt(images("img"), lbl, 0, -1);
        assertMessage(e, lbl.toString(), "truncated", "declares 6 records", "2 bytes missing");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path img = TestFiles.write(dir, "hdr", new byte[] {0, 0, 8, 3, 0, 0});
        assertMessage(corrupt(img, labels("lbl"), 0, -1), "hdr", "truncated");
    }

    @Test
    void labelsFilePassedAsImages() throws IOException {
        Path lbl = labels("lbl");
        CorruptDataException e = corrupt(lbl, lbl, 0, -1);
        assertMessage(e, lbl.toString(), "wrong magic number 0x00000801", "expected 0x00000803",
                "is this the labels file?");
        Path img = images("img");
        assertMessage(corrupt(img, img, 0, -1), "is this the images file?");
    }

    @Test
    void wrongTypeByte() throws IOException {
        byte[] b = TestFiles.idxImages(N, ROWS, COLS);
        b[2] = 0x0D; // float data
        Path img = TestFiles.write(dir, "floats", b);
        assertMessage(corrupt(img, labels("lbl"), 0, -1), "floats", "wrong magic number 0x00000d03");
        assertMessage(assertThrows(CorruptDataException.class, () -> IdxReader.header(img)), "floats", "wrong magic");
    }

    @Test
    void countMismatch() throws IOException {
        Path lbl = TestFiles.write(dir, "lbl5", TestFiles.idxLabels(N - 1));
        Path img = images("img");
        assertMessage(corrupt(img, lbl, 0, -1), "count mismatch", img.toString(), lbl.toString(),
                "declares 6", "declares 5");
    }

    @Test
    void labelOutOfRange() throws IOException {
        byte[] b = TestFiles.idxLabels(N);
        b[8 + 4] = 12;
        Path lbl = TestFiles.write(dir, "badlabel", b);
        assertMessage(corrupt(images("img"), lbl, 0, -1), "badlabel", "label 12 at record 4",
                "out of range for 10 classes");
        // Records outside the requested range are not checked.
        assertRecords(IdxReader.read(images("img"), lbl, 0, 4), 0, 4);
    }

    @Test
    void rangeOutOfBounds() throws IOException {
        Path img = images("img");
        Path lbl = labels("lbl");
        assertMessage(corrupt(img, lbl, 4, 3), "img", "out of bounds", "holds 6 records");
        assertMessage(corrupt(img, lbl, 7, -1), "out of bounds");
        assertThrows(IllegalArgumentException.class, () -> IdxReader.read(img, lbl, -1, 2));
        assertThrows(IllegalArgumentException.class, () -> IdxReader.read(img, lbl, 0, -2));
    }

    @Test
    void missingFileNamesPath() throws IOException {
        Path missing = dir.resolve("nope-images");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> IdxReader.read(missing, labels("lbl"), 0, -1));
        assertMessage(e, missing.toString(), "does not exist");
    }

    @Test
    void missingSystemDatasetSuggestsPackage() {
        Path missing = Path.of("/usr/share/datasets/does-not-exist-xyz/train-images-idx3-ubyte.gz");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> IdxReader.header(missing));
        assertMessage(e, missing.toString(), "apt-get install dataset-fashion-mnist");
    }

    @Test
    void emptyFileOfZeroRecords() throws IOException {
        Path img = TestFiles.write(dir, "e-img", ByteBuffer.allocate(16).putInt(IdxReader.IMAGES_MAGIC)
                .putInt(0).putInt(ROWS).putInt(COLS).array());
        Path lbl = TestFiles.write(dir, "e-lbl",
                ByteBuffer.allocate(8).putInt(IdxReader.LABELS_MAGIC).putInt(0).array());
        assertEquals(0, IdxReader.read(img, lbl, 0, -1).size());
    }
}
