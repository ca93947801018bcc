package ai.sparknas.driver.data;

import java.util.SplittableRandom;

/**
 * Cutout (DeVries and Taylor, as in quark0/darts {@code utils.Cutout}): one square of side L per
 * image, centred on a uniformly drawn pixel and clipped at the borders, set to 0 in every channel of
 * the standardised image.
 */
public final class Cutout {

    private Cutout() {
    }

    /** Cuts one square out of each of the {@code n} NCHW images in place; draws two integers per image. */
    public static void apply(double[] images, int n, int c, int h, int w, int length, SplittableRandom rng) {
        for (int i = 0; i < n; i++) {
            int y = rng.nextInt(h);
            int x = rng.nextInt(w);
            int y1 = Math.max(0, y - length / 2);
            int y2 = Math.min(h, y + length / 2);
            int x1 = Math.max(0, x - length / 2);
            int x2 = Math.min(w, x + length / 2);
            for (int ch = 0; ch < c; ch++) {
                int plane = (i * c + ch) * h * w;
                for (int r = y1; r < y2; r++) {
                    java.util.Arrays.fill(images, plane + r * w + x1, plane + r * w + x2, 0);
                }
            }
        }
    }
}
