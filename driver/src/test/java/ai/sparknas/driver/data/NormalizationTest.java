package ai.sparknas.driver.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NormalizationTest {
    /** Two records of 2 channels of 1x2 pixels. */
    private static ImageDataset tiny() {
        return new ImageDataset("t", 2, 1, 2, 3,
                new float[] {1, 2, 10, 20, 3, 4, 30, 40}, new int[] {0, 2});
    }

    @Test
    void standardizesPerChannelInPlace() {
        ImageDataset d = tiny();
        Normalization.standardize(d, new float[] {2, 20}, new float[] {0.5f, 10});
        assertArrayEquals(new float[] {-2, 0, -1, 0, 2, 4, 1, 2}, d.pixels(), 1e-6f);
    }

    @Test
    void rejectsWrongLengthsAndBadStd() {
        ImageDataset d = tiny();
        assertThrows(IllegalArgumentException.class,
                () -> Normalization.standardize(d, new float[] {0}, new float[] {1, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> Normalization.standardize(d, new float[] {0, 0}, new float[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> Normalization.standardize(d, new float[] {0, 0}, new float[] {1, 0}));
        assertThrows(IllegalArgumentException.class,
                () -> Normalization.standardize(d, new float[] {0, 0}, new float[] {1, Float.NaN}));
        assertArrayEquals(new float[] {1, 2, 10, 20, 3, 4, 30, 40}, d.pixels(), 0f); // untouched
    }

    @Test
    void knownStatistics() {
        float[][] fm = Normalization.forDataset("fashion-mnist");
        assertArrayEquals(new float[] {0.2860f}, fm[0]);
        assertArrayEquals(new float[] {0.3530f}, fm[1]);
        assertArrayEquals(new float[] {0.1307f}, Normalization.forDataset("MNIST")[0]);
        assertArrayEquals(new float[] {0.2470f, 0.2435f, 0.2616f}, Normalization.forDataset("cifar10")[1]);
        assertArrayEquals(new float[] {0.5071f, 0.4865f, 0.4409f}, Normalization.forDataset("cifar-100")[0]);
        // Copies: changing one must not change the next call's answer.
        fm[0][0] = 99;
        assertEquals(0.2860f, Normalization.forDataset("fashion_mnist")[0][0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.forDataset("imagenet"));
        assertTrue(e.getMessage().contains("imagenet") && e.getMessage().contains("cifar100"));
    }

    @Test
    void zeroPixelValueMatchesStandardizedZero() {
        float[][] s = Normalization.forDataset("cifar10");
        float[] pad = Normalization.zeroPixelValue(s[0], s[1]);
        ImageDataset d = new ImageDataset("z", 3, 1, 1, 10, new float[3], new int[] {0});
        Normalization.standardize(d, s[0], s[1]);
        assertArrayEquals(d.pixels(), pad, 1e-6f);
    }
}
