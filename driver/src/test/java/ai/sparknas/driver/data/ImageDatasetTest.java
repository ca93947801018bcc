package ai.sparknas.driver.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ImageDatasetTest {
    private static ImageDataset three() {
        float[] p = new float[3 * 2 * 2];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        return new ImageDataset("d", 1, 2, 2, 5, p, new int[] {4, 0, 2});
    }

    @Test
    void accessorsRangeAndCopy() {
        ImageDataset d = three();
        assertEquals(3, d.size());
        assertEquals(4, d.imageSize());
        ImageDataset r = d.range(1, 3);
        assertArrayEquals(new int[] {0, 2}, r.labels());
        assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9, 10, 11}, r.pixels());
        r.pixels()[0] = -1;
        assertEquals(4f, d.pixels()[4]); // a copy
        float[] dst = new float[6];
        d.copyImage(2, dst, 1);
        assertArrayEquals(new float[] {0, 8, 9, 10, 11, 0}, dst);
        assertEquals(0, d.range(3, 3).size());
    }

    @Test
    void rejectsBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset("d", 1, 2, 2, 5, new float[7], new int[2]));
        assertTrue(e.getMessage().contains("pixels.length is 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset("d", 1, 1, 1, 5, new float[1], new int[] {5}));
        assertTrue(e.getMessage().contains("label 5"), e.getMessage());
        ImageDataset d = three();
        IndexOutOfBoundsException o = assertThrows(IndexOutOfBoundsException.class, () -> d.range(2, 4));
        assertTrue(o.getMessage().contains("[2, 4)"), o.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> d.copyImage(3, new float[4], 0));
    }
}
