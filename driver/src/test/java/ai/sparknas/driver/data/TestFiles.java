package ai.sparknas.driver.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builders of small IDX and CIFAR files with known contents. */
final class TestFiles {
    private TestFiles() {
    }

    static int pixel(int i, int r, int c) {
        return (i * 7 + r * 3 + c) % 256;
    }

    static int label(int i) {
        return (i * 3) % 10;
    }

    static byte[] idxImages(int n, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + n * rows * cols);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(n).putInt(rows).putInt(cols);
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    b.put((byte) pixel(i, r, c));
                }
            }
        }
        return b.array();
    }

    static byte[] idxLabels(int n) {
        ByteBuffer b = ByteBuffer.allocate(8 + n);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(n);
        for (int i = 0; i < n; i++) {
            b.put((byte) label(i));
        }
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** CIFAR pixel of global record g, channel ch, row y, column x. */
    static int cifarPixel(int g, int ch, int y, int x) {
        return (g * 11 + ch * 50 + y * 5 + x) % 256;
    }

    /** Records [first, first+n) of a CIFAR file; fine label = (g*7) % classes, coarse = g % 20. */
    static byte[] cifar(CifarVariant v, int first, int n) {
        ByteBuffer b = ByteBuffer.allocate(n * v.recordBytes());
        for (int g = first; g < first + n; g++) {
            if (v == CifarVariant.CIFAR100) {
                b.put((byte) (g % 20));
            }
            b.put((byte) ((g * 7) % v.classes()));
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        b.put((byte) cifarPixel(g, ch, y, x));
                    }
                }
            }
        }
        return b.array();
    }
}
