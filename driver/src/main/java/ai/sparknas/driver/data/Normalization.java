package ai.sparknas.driver.data;

import java.util.Locale;

/** Per-channel standardisation {@code (x - mean[c]) / std[c]} and the usual dataset statistics. */
public final class Normalization {
    private static final float[] FASHION_MNIST_MEAN = {0.2860f};
    private static final float[] FASHION_MNIST_STD = {0.3530f};
    private static final float[] MNIST_MEAN = {0.1307f};
    private static final float[] MNIST_STD = {0.3081f};
    private static final float[] CIFAR10_MEAN = {0.4914f, 0.4822f, 0.4465f};
    private static final float[] CIFAR10_STD = {0.2470f, 0.2435f, 0.2616f};
    private static final float[] CIFAR100_MEAN = {0.5071f, 0.4865f, 0.4409f};
    private static final float[] CIFAR100_STD = {0.2673f, 0.2564f, 0.2762f};

    private Normalization() {
    }

    /**
     * Standardises every pixel of {@code d} in place, per channel.
     *
     * @param d    the dataset (its pixel array is modified)
     * @param mean one value per channel
     * @param std  one positive value per channel
     * @throws IllegalArgumentException if the lengths differ from the channel count or a std is not positive
     */
    public static void standardize(ImageDataset d, float[] mean, float[] std) {
        standardize(d.pixels(), d.size(), d.channels(), d.height() * d.width(), mean, std);
    }

    /**
     * Standardises {@code n} NCHW images of {@code c} channels of {@code plane} pixels each, in place.
     *
     * @param pixels the images
     * @param n      number of images
     * @param c      channels
     * @param plane  pixels per channel plane (H*W)
     * @param mean   one value per channel
     * @param std    one positive value per channel
     */
    public static void standardize(float[] pixels, int n, int c, int plane, float[] mean, float[] std) {
        check(c, mean, std);
        if ((long) n * c * plane > pixels.length) {
            throw new IllegalArgumentException("pixels.length " + pixels.length + " < n*c*plane = "
                    + (long) n * c * plane);
        }
        for (int ch = 0; ch < c; ch++) {
            float m = mean[ch];
            float inv = 1f / std[ch]; // multiply instead of dividing per pixel
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * plane;
                for (int p = base; p < base + plane; p++) {
                    pixels[p] = (pixels[p] - m) * inv;
                }
            }
        }
    }

    /**
     * The usual statistics of a dataset.
     *
     * @param kind "fashion-mnist", "mnist", "cifar10" or "cifar100" (case-insensitive; "-"/"_" optional)
     * @return {@code {mean, std}}, fresh copies
     * @throws IllegalArgumentException for an unknown kind
     */
    public static float[][] forDataset(String kind) {
        String k = kind == null ? "" : kind.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        switch (k) {
            case "fashionmnist": return pair(FASHION_MNIST_MEAN, FASHION_MNIST_STD);
            case "mnist": return pair(MNIST_MEAN, MNIST_STD);
            case "cifar10": return pair(CIFAR10_MEAN, CIFAR10_STD);
            case "cifar100": return pair(CIFAR100_MEAN, CIFAR100_STD);
            default:
                throw new IllegalArgumentException("no normalisation statistics for dataset '" + kind
                        + "'; known: fashion-mnist, mnist, cifar10, cifar100");
        }
    }

    /**
     * The value a 0 pixel takes after standardisation, {@code -mean/std} per channel: the pad value for
     * {@link CropFlipAugmentation} on standardised images (torchvision pads before normalising).
     *
     * @param mean one value per channel
     * @param std  one positive value per channel
     * @return one value per channel
     */
    public static float[] zeroPixelValue(float[] mean, float[] std) {
        check(mean.length, mean, std);
        float[] v = new float[mean.length];
        for (int c = 0; c < v.length; c++) {
            v[c] = -mean[c] / std[c];
        }
        return v;
    }

    private static void check(int channels, float[] mean, float[] std) {
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need one value per channel (" + channels
                    + "), got " + mean.length + " and " + std.length);
        }
        for (int c = 0; c < channels; c++) {
            if (!(std[c] > 0f) || Float.isInfinite(std[c]) || !Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("std must be positive and finite and mean finite; channel "
                        + c + " has mean " + mean[c] + ", std " + std[c]);
            }
        }
    }

    private static float[][] pair(float[] mean, float[] std) {
        return new float[][] {mean.clone(), std.clone()};
    }
}
