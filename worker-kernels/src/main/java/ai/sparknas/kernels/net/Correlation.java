package ai.sparknas.kernels.net;

/**
 * {@code out[j] ← out[j] + Σ_t a[aOff + t]·in[inOff + shift[t] + j]} for j in [0, len): a one-plane
 * correlation with {@code shift.length} taps, the depthwise convolution of a padded plane (and, with
 * negated shifts, its input gradient).
 *
 * <p>Every element is {@code out ← fma(a_t, in, out)} for t = 0, 1, … in order, what one
 * {@link Blas1#axpy} per tap does, so the result is the same bits; the Vector API form
 * ({@code CorrelationVector}) keeps two vectors of out in registers across all taps instead of
 * reading and writing out once per tap.
 *
 * <p>{@link #dots} is its weight gradient: one dot per tap between a plane and the shifted input.
 */
final class Correlation {

    private Correlation() {
    }

    static void accumulate(double[] a, int aOff, int[] shift, double[] in, int inOff, double[] out, int outOff, int len) {
        if (Blas1.VECTORISED) {
            CorrelationVector.accumulate(a, aOff, shift, in, inOff, out, outOff, len);
        } else {
            accumulateScalar(a, aOff, shift, in, inOff, out, outOff, len);
        }
    }

    /**
     * {@code out[outOff + t] += Σ_n ⟨a[aOff + n·aImage …], in[inOff + n·inImage + shift[t] …]⟩} over
     * {@code len} values and {@code images} images for every tap t; each sum over the images as ONE
     * {@link Blas1#dotOneAccumulatorScalar} of the images' slices.
     */
    static void dots(double[] a, int aOff, int aImage, int[] shift, double[] in, int inOff, int inImage, int images,
                     int len, double[] out, int outOff) {
        if (Blas1.VECTORISED) {
            CorrelationVector.dots(a, aOff, aImage, shift, in, inOff, inImage, images, len, out, outOff);
        } else {
            dotsScalar(a, aOff, aImage, shift, in, inOff, inImage, images, len, out, outOff);
        }
    }

    static void dotsScalar(double[] a, int aOff, int aImage, int[] shift, double[] in, int inOff, int inImage,
                           int images, int len, double[] out, int outOff) {
        for (int t = 0; t < shift.length; t++) {
            out[outOff + t] += Blas1.dotOneAccumulatorScalar(a, aOff, aImage, in, inOff + shift[t], inImage, images, len);
        }
    }

    static void accumulateScalar(double[] a, int aOff, int[] shift, double[] in, int inOff, double[] out, int outOff,
                                 int len) {
        for (int t = 0; t < shift.length; t++) {
            Blas1.axpyScalar(a[aOff + t], in, inOff + shift[t], out, outOff, len);
        }
    }
}
