package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels ({@code *Vector}) and their scalar fallbacks ({@code *Scalar}) give the same
 * bits on every length (vector part, remainder, both), offset and shape, and the scalar forms compute
 * what they claim (a plain sum / dot / matrix product to rounding): a JVM without the module computes
 * exactly what a JVM with it does.
 */
class VectorKernelsTest {

    private final SplittableRandom rng = new SplittableRandom(42);

    private double[] random(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextDouble(-2, 2);
        }
        return a;
    }

    @Test
    void theTestJvmHasTheVectorApi() {
        assertTrue(Blas1.VECTORISED, "test JVMs run with " + Blas1.JVM_OPTION + " (parent pom argLine), so the"
                + " vector kernels are the ones under test");
    }

    @Test
    void levelOneKernelsMatchTheScalarFormBitForBit() {
        for (int len = 0; len <= 41; len++) {
            for (int off : new int[] {0, 3}) {
                double[] x = random(len + 8);
                double[] y = random(len + 8);
                double a = rng.nextDouble(-1, 1);
                double[] y1 = y.clone();
                double[] y2 = y.clone();
                Blas1Vector.axpy(a, x, off, y1, 5 - off, len);
                Blas1.axpyScalar(a, x, off, y2, 5 - off, len);
                assertArrayEquals(y2, y1, "axpy, length " + len);

                double d1 = Blas1Vector.dot(x, off, y, 1, len);
                double d2 = Blas1.dotScalar(x, off, y, 1, len);
                assertEquals(Double.doubleToRawLongBits(d2), Double.doubleToRawLongBits(d1), "dot, length " + len);
                double plain = 0;
                for (int j = 0; j < len; j++) {
                    plain += x[off + j] * y[1 + j];
                }
                assertEquals(plain, d2, 1e-12 * (1 + Math.abs(plain)), "dot value, length " + len);

                double one1 = Blas1Vector.dotOneAccumulator(x, off, 0, y, 1, 0, 1, len);
                double one2 = Blas1.dotOneAccumulatorScalar(x, off, 0, y, 1, 0, 1, len);
                assertEquals(Double.doubleToRawLongBits(one2), Double.doubleToRawLongBits(one1), "dot1, length " + len);
                assertEquals(plain, one2, 1e-12 * (1 + Math.abs(plain)), "dot1 value, length " + len);

                double s1 = Blas1Vector.sum(x, off, len);
                double s2 = Blas1.sumScalar(x, off, len);
                assertEquals(Double.doubleToRawLongBits(s2), Double.doubleToRawLongBits(s1), "sum, length " + len);
                assertEquals(Arrays.stream(x, off, off + len).sum(), s2, 1e-12 * (1 + len), "sum value");

                double[] r1 = new double[len + 8];
                double[] r2 = new double[len + 8];
                x[off] = Double.NaN; // a NaN stays NaN through the ReLU
                Blas1Vector.relu(x, r1, off, off + len);
                Blas1.reluScalar(x, r2, off, off + len);
                assertArrayEquals(r2, r1, "relu, length " + len);
                double[] g1 = y.clone();
                g1[off] = -0.0; // where x ≤ 0 both forms leave dx as it is, even a negative zero
                double[] g2 = g1.clone();
                Blas1Vector.reluBackward(x, r1, g1, off, off + len);
                Blas1.reluBackwardScalar(x, r1, g2, off, off + len);
                assertArrayEquals(g2, g1, "relu backward, length " + len);
            }
        }
    }

    @Test
    void windowMaximumMatchesTheScalarFormWithTiesAndNaN() {
        for (int len = 1; len <= 37; len++) {
            double[] in = new double[len + 4];
            for (int i = 0; i < in.length; i++) {
                in[i] = rng.nextInt(3); // many ties: the first maximum must win in both
            }
            in[rng.nextInt(in.length)] = Double.NaN;
            double[] best1 = Arrays.copyOf(in, len);
            double[] best2 = best1.clone();
            double[] at1 = new double[len];
            double[] at2 = new double[len];
            for (int k = 1; k < 5; k++) {
                Blas1Vector.maxStep(in, k, best1, at1, k, len);
                Blas1.maxStepScalar(in, k, best2, at2, k, len);
            }
            assertArrayEquals(best2, best1, "max, length " + len);
            assertArrayEquals(at2, at1, "arg-max, length " + len);
        }
    }

    @Test
    void gemmKernelsMatchTheScalarFormAndTheMatrixProduct() {
        for (int rows : new int[] {1, 3, 4, 9}) {
            for (int k : new int[] {1, 5, 16}) {
                for (int len : new int[] {1, 7, 16, 37, 49}) {
                    // A stored transposed (row stride 1, column stride rows), as the input gradient uses it
                    double[] a = random(rows * k);
                    double[] x = random(k * len + 3);
                    double[] y = random(rows * len + 2);
                    double[] y1 = y.clone();
                    double[] y2 = y.clone();
                    GemmVector.accumulate(a, 0, 1, rows, rows, k, x, 3, len, y1, 2, len, len);
                    Gemm.accumulateScalar(a, 0, 1, rows, rows, k, x, 3, len, y2, 2, len, len);
                    assertArrayEquals(y2, y1, "gemm " + rows + "x" + k + "x" + len);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < len; j++) {
                            double e = y[2 + r * len + j];
                            for (int i = 0; i < k; i++) {
                                e += a[r + i * rows] * x[3 + i * len + j];
                            }
                            assertEquals(e, y2[2 + r * len + j], 1e-12 * (1 + k), "gemm value");
                        }
                    }
                    for (int images : new int[] {1, 3}) {
                        // a batch of images: A's rows at pitch len, images rows·len + 1 apart, B's likewise
                        double[] g0 = random(rows * k);
                        double[] g1 = g0.clone();
                        double[] g2 = g0.clone();
                        double[] ya = random(2 + images * (rows * len + 1));
                        double[] b = random(images * (k * len + 2));
                        GemmVector.dots(ya, 2, len, rows * len + 1, rows, b, 0, len, k * len + 2, k, images, len, g1, 0, k, 1);
                        Gemm.dotsScalar(ya, 2, len, rows * len + 1, rows, b, 0, len, k * len + 2, k, images, len, g2, 0, k, 1);
                        assertArrayEquals(g2, g1, "gemm dots " + rows + "x" + k + "x" + len + ", " + images + " images");
                        for (int r = 0; r < rows; r++) {
                            for (int c = 0; c < k; c++) {
                                double e = g0[r * k + c];
                                for (int n = 0; n < images; n++) {
                                    for (int j = 0; j < len; j++) {
                                        e += ya[2 + n * (rows * len + 1) + r * len + j] * b[n * (k * len + 2) + c * len + j];
                                    }
                                }
                                assertEquals(e, g2[r * k + c], 1e-12 * (1 + images * len), "gemm dots value");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void correlationKernelsMatchTheScalarForm() {
        for (int taps : new int[] {1, 4, 9, 25}) {
            for (int len : new int[] {1, 7, 8, 31, 33, 84}) {
                int[] shift = new int[taps];
                for (int t = 0; t < taps; t++) {
                    shift[t] = rng.nextInt(20) - 10;
                }
                double[] w = random(taps);
                double[] in = random(len + 30);
                double[] out = random(len);
                double[] o1 = out.clone();
                double[] o2 = out.clone();
                CorrelationVector.accumulate(w, 0, shift, in, 10, o1, 0, len);
                Correlation.accumulateScalar(w, 0, shift, in, 10, o2, 0, len);
                assertArrayEquals(o2, o1, "correlation, " + taps + " taps, length " + len);
                for (int images : new int[] {1, 3}) {
                    // images' planes of out are len + 1 apart, of in len + 30 apart
                    double[] outs = random(images * (len + 1));
                    double[] ins = random(images * (len + 30));
                    double[] d0 = random(taps + 1);
                    double[] d1 = d0.clone();
                    double[] d2 = d0.clone();
                    CorrelationVector.dots(outs, 0, len + 1, shift, ins, 10, len + 30, images, len, d1, 1);
                    Correlation.dotsScalar(outs, 0, len + 1, shift, ins, 10, len + 30, images, len, d2, 1);
                    assertArrayEquals(d2, d1, "correlation dots, " + taps + " taps, length " + len + ", " + images + " images");
                    for (int t = 0; t < taps; t++) {
                        double e = d0[1 + t];
                        for (int n = 0; n < images; n++) {
                            for (int j = 0; j < len; j++) {
                                e += outs[n * (len + 1) + j] * ins[n * (len + 30) + 10 + shift[t] + j];
                            }
                        }
                        assertEquals(e, d2[1 + t], 1e-12 * (1 + images * len), "correlation dots value");
                    }
                }
            }
        }
    }

    @Test
    void reductionsOverSlicesMatchTheScalarFormAndThePlainSums() {
        for (int len = 0; len <= 41; len++) {
            for (int count : new int[] {1, 2, 5}) {
                int stride = len + 3;
                double[] a = random(2 + count * stride);
                double[] b = random(1 + count * stride);
                double d1 = Blas1Vector.dotSlices(a, 2, b, 1, stride, count, len);
                double d2 = Blas1.dotSlicesScalar(a, 2, b, 1, stride, count, len);
                assertEquals(Double.doubleToRawLongBits(d2), Double.doubleToRawLongBits(d1), "dot of slices, " + count + "x" + len);
                double s1 = Blas1Vector.sumSlices(a, 2, stride, count, len);
                double s2 = Blas1.sumSlicesScalar(a, 2, stride, count, len);
                assertEquals(Double.doubleToRawLongBits(s2), Double.doubleToRawLongBits(s1), "sum of slices, " + count + "x" + len);
                double plainDot = 0;
                double plainSum = 0;
                for (int i = 0; i < count; i++) {
                    for (int j = 0; j < len; j++) {
                        plainDot += a[2 + i * stride + j] * b[1 + i * stride + j];
                        plainSum += a[2 + i * stride + j];
                    }
                }
                assertEquals(plainDot, d2, 1e-12 * (1 + count * len), "dot of slices value");
                assertEquals(plainSum, s2, 1e-12 * (1 + count * len), "sum of slices value");
                if (count == 1) { // one slice is the plain dot and sum, bit for bit
                    assertEquals(Double.doubleToRawLongBits(Blas1.dotScalar(a, 2, b, 1, len)), Double.doubleToRawLongBits(d2));
                    assertEquals(Double.doubleToRawLongBits(Blas1.sumScalar(a, 2, len)), Double.doubleToRawLongBits(s2));
                }
            }
        }
    }
}
