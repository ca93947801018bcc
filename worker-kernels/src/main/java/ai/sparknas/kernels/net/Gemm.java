package ai.sparknas.kernels.net;

/**
 * {@code Y ← A·X + Y} for a small {@code rows × k} matrix A and k rows of X, each row of X and Y a
 * slice of {@code len} values in a flat array: the 1×1 convolution of one image (A = W, X = input
 * planes) and its input gradient (A = Wᵀ, X = output-gradient planes).
 *
 * <p>{@code A(r, i) = a[aOff + r·rowStride + i·colStride]}, {@code X(i) = x[xOff + i·xPitch …]},
 * {@code Y(r) = y[yOff + r·yPitch …]}. Every element is {@code y ← fma(A(r, i), x, y)} for i = 0, 1, …
 * in order, exactly what a sequence of {@link Blas1#axpy} calls does, so the result is the same bits;
 * the Vector API form ({@code GemmVector}) keeps a block of 4 rows × 2 vectors of Y in registers
 * across all k instead of reading and writing Y once per i.
 *
 * <p>{@link #dots} is the weight gradient of the same convolution: {@code G(r, c) += ⟨A(r), B(c)⟩}
 * over rows of two such arrays.
 */
final class Gemm {

    private Gemm() {
    }

    static void accumulate(double[] a, int aOff, int rowStride, int colStride, int rows, int k,
                           double[] x, int xOff, int xPitch, double[] y, int yOff, int yPitch, int len) {
        if (Blas1.VECTORISED) {
            GemmVector.accumulate(a, aOff, rowStride, colStride, rows, k, x, xOff, xPitch, y, yOff, yPitch, len);
        } else {
            accumulateScalar(a, aOff, rowStride, colStride, rows, k, x, xOff, xPitch, y, yOff, yPitch, len);
        }
    }

    /**
     * {@code out[outOff + r·outRow + c·outCol] += Σ_n ⟨a[aOff + n·aImage + r·aPitch …], b[bOff + n·bImage + c·bPitch …]⟩}
     * over {@code len} values and {@code images} images, for r < rowsA and c < rowsB; each sum over the
     * images as ONE {@link Blas1#dotOneAccumulatorScalar} of the images' slices, so the lanes are added once
     * per weight rather than once per image.
     */
    static void dots(double[] a, int aOff, int aPitch, int aImage, int rowsA, double[] b, int bOff, int bPitch,
                     int bImage, int rowsB, int images, int len, double[] out, int outOff, int outRow, int outCol) {
        if (Blas1.VECTORISED) {
            GemmVector.dots(a, aOff, aPitch, aImage, rowsA, b, bOff, bPitch, bImage, rowsB, images, len,
                    out, outOff, outRow, outCol);
        } else {
            dotsScalar(a, aOff, aPitch, aImage, rowsA, b, bOff, bPitch, bImage, rowsB, images, len,
                    out, outOff, outRow, outCol);
        }
    }

    static void dotsScalar(double[] a, int aOff, int aPitch, int aImage, int rowsA, double[] b, int bOff, int bPitch,
                           int bImage, int rowsB, int images, int len, double[] out, int outOff, int outRow, int outCol) {
        for (int r = 0; r < rowsA; r++) {
            for (int c = 0; c < rowsB; c++) {
                out[outOff + r * outRow + c * outCol] += Blas1.dotOneAccumulatorScalar(a, aOff + r * aPitch, aImage,
                        b, bOff + c * bPitch, bImage, images, len);
            }
        }
    }

    static void accumulateScalar(double[] a, int aOff, int rowStride, int colStride, int rows, int k,
                                 double[] x, int xOff, int xPitch, double[] y, int yOff, int yPitch, int len) {
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < k; i++) {
                Blas1.axpyScalar(a[aOff + r * rowStride + i * colStride], x, xOff + i * xPitch, y, yOff + r * yPitch, len);
            }
        }
    }
}
