package ai.sparknas.driver.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The CIFAR search augmentation: pad by {@code pad} on every side, randomly crop back to H x W, then
 * flip horizontally with probability 1/2. Per image the RNG is drawn in the order: crop row offset,
 * crop column offset, flip, so results are reproducible from the RNG state.
 */
public final class CropFlipAugmentation {
    private CropFlipAugmentation() {
    }

    /**
     * Augments {@code n} NCHW images in place, padding with zeros.
     *
     * @param batch images, at least {@code n*c*h*w} values
     * @param n     images
     * @param c     channels
     * @param h     height
     * @param w     width
     * @param pad   padding on each side (0 disables cropping)
     * @param rng   random source, advanced 3 draws per image
     */
    public static void apply(float[] batch, int n, int c, int h, int w, int pad, SplittableRandom rng) {
        apply(batch, n, c, h, w, pad, null, rng);
    }

    /**
     * Augments {@code n} NCHW images in place.
     *
     * @param batch              images, at least {@code n*c*h*w} values
     * @param n                  images
     * @param c                  channels
     * @param h                  height
     * @param w                  width
     * @param pad                padding on each side (0 disables cropping)
     * @param padValuePerChannel value of padded pixels per channel (for standardised images use
     *                           {@link Normalization#zeroPixelValue}), or null for 0
     * @param rng                random source, advanced 3 draws per image
     */
    public static void apply(float[] batch, int n, int c, int h, int w, int pad, float[] padValuePerChannel,
                             SplittableRandom rng) {
        if (n < 0 || c < 1 || h < 1 || w < 1 || pad < 0) {
            throw new IllegalArgumentException("invalid shape n=" + n + " c=" + c + " h=" + h + " w=" + w
                    + " pad=" + pad);
        }
        if ((long) n * c * h * w > batch.length) {
            throw new IllegalArgumentException("batch.length " + batch.length + " < n*c*h*w = " + (long) n * c * h * w);
        }
        if (padValuePerChannel != null && padValuePerChannel.length != c) {
            throw new IllegalArgumentException("padValuePerChannel needs " + c + " values, got "
                    + padValuePerChannel.length);
        }
        float[] padValues = padValuePerChannel != null ? padValuePerChannel : new float[c];
        float[] scratch = new float[c * h * w];
        for (int i = 0; i < n; i++) {
            int dy = rng.nextInt(2 * pad + 1);
            int dx = rng.nextInt(2 * pad + 1);
            boolean flip = rng.nextBoolean();
            transform(batch, i * c * h * w, c, h, w, dy - pad, dx - pad, flip, padValues, scratch);
        }
    }

    /**
     * Applies one fixed crop/flip to the image at {@code offset}: output pixel (y, x) before the flip is the
     * input pixel (y + sy, x + sx), or the channel's pad value when that lies outside the image.
     * Package-private so tests can check both flip branches without searching for seeds.
     */
    static void transform(float[] batch, int offset, int c, int h, int w, int sy, int sx, boolean flip,
                          float[] padValues, float[] scratch) {
        int plane = h * w;
        for (int ch = 0; ch < c; ch++) {
            int in = offset + ch * plane;
            int out = ch * plane;
            // Fill everything with padding, then write the valid pixels at their (possibly mirrored) place;
            // padding columns thus end up mirrored too.
            Arrays.fill(scratch, out, out + plane, padValues[ch]);
            // Copy only the overlap of the shifted window with the image; the rest stays padding.
            int y0 = Math.max(0, -sy);
            int y1 = Math.min(h, h - sy);
            int x0 = Math.max(0, -sx);
            int x1 = Math.min(w, w - sx);
            for (int y = y0; y < y1; y++) {
                int srcRow = in + (y + sy) * w;
                int dstRow = out + y * w;
                if (flip) {
                    for (int x = x0; x < x1; x++) {
                        scratch[dstRow + (w - 1 - x)] = batch[srcRow + x + sx];
                    }
                } else if (x1 > x0) {
                    System.arraycopy(batch, srcRow + x0 + sx, scratch, dstRow + x0, x1 - x0);
                }
            }
            System.arraycopy(scratch, out, batch, in, plane);
        }
    }
}
