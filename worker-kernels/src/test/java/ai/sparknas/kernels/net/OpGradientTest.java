package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every float64 kernel of the network checked alone.
 *
 * <p>Gradients: for y = op(x; w) and a fixed random R, L = Σ y ⊙ R; the recorded backward pass (seeded
 * with ∂L/∂y = R) must give ∂L/∂x and ∂L/∂w equal to central finite differences of L (each perturbed
 * value re-runs the forward pass on a fresh non-recording tape) for every entry, to a relative error of
 * at most 1e-6. The same backward on a tape without a weight-gradient buffer must give the identical
 * ∂L/∂x. Weights sit at a non-zero offset inside a larger vector, so a kernel that reads or writes
 * outside its own slice fails the check on the surrounding entries.
 *
 * <p>Forward values: convolutions against naive loops written here from the definitions, pooling,
 * BatchNorm, subsampling and the classifier head against hand-computed or closed-form values.
 */
class OpGradientTest {

    static final double MAX_REL_ERROR = 1e-6;
    static final double FORWARD_TOL = 1e-12;
    /** Unused weight entries placed before and after an op's slice. */
    static final int OFF = 3;
    static final int TAIL = 2;
    /**
     * BatchNorm's ∂x entries are differences of O(1) terms, (R − mean R − x̂·mean(R x̂))/σ̃, and some come
     * out near 1e-4; at h = 1e-6 the rounding of the normalised outputs (~1e-8 in the difference quotient)
     * then exceeds 1e-6 relative. BN is smooth on the scale of the step (truncation ∝ h²), so a 10× larger
     * step keeps every entry within the absolute floor. All other ops use {@link FiniteDifferences#H}.
     */
    static final double BN_STEP = 10 * FiniteDifferences.H;

    /** One op under test: reads its inputs and the tape's weights, returns its output. */
    @FunctionalInterface
    interface Op {
        Tensor apply(Tape t, Tensor[] xs);
    }

    // ------------------------------------------------------------------------------------------------
    // harness

    static double[] gaussian(SplittableRandom rng, int len) {
        double[] v = new double[len];
        for (int i = 0; i < len; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    static Tensor randomTensor(long seed, int n, int c, int h, int w, boolean needsGrad) {
        return new Tensor(n, c, h, w, gaussian(new SplittableRandom(seed), n * c * h * w), needsGrad);
    }

    /** Random weights for a slice of {@code size} at {@link #OFF}, with unused entries around it. */
    static double[] randomWeights(long seed, int size) {
        return gaussian(new SplittableRandom(seed), OFF + size + TAIL);
    }

    static Tensor copyOf(Tensor x) {
        return new Tensor(x.n, x.c, x.h, x.w, x.v.clone(), x.needsGrad);
    }

    static double sumProduct(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(sumProduct(a, a));
    }

    /**
     * ∂L/∂v[i] by central differences, v[i] restored exactly, where L = Σ forward() ⊙ r. The difference
     * L(v + h) − L(v − h) is taken output by output, Σ (y⁺ − y⁻) ⊙ r: the same number in exact arithmetic,
     * but without the cancellation of two whole sums of hundreds of products, whose rounding (about
     * ulp(L)/2h ≈ 2e-9) would otherwise swamp the small gradient entries at a 1e-6 relative tolerance.
     */
    static double partial(double[] v, int i, double h, Supplier<double[]> forward, double[] r) {
        double v0 = v[i];
        v[i] = v0 + h;
        double[] plus = forward.get();
        v[i] = v0 - h;
        double[] minus = forward.get();
        v[i] = v0;
        assertEquals(r.length, plus.length);
        double d = 0;
        for (int k = 0; k < r.length; k++) {
            d += (plus[k] - minus[k]) * r[k];
        }
        return d / (2 * h);
    }

    /** Every entry of {@code analytic} against the finite difference of L w.r.t. {@code values}. */
    static void assertMatchesFiniteDifferences(String what, double[] analytic, double[] values, double h,
                                               Supplier<double[]> forward, double[] r) {
        assertEquals(values.length, analytic.length, what + ": gradient length");
        double worst = 0;
        String worstAt = "";
        for (int i = 0; i < values.length; i++) {
            double numeric = partial(values, i, h, forward, r);
            double err = FiniteDifferences.relativeError(analytic[i], numeric);
            if (err > worst) {
                worst = err;
                worstAt = "entry " + i + ": analytic " + analytic[i] + " vs numeric " + numeric;
            }
        }
        assertTrue(worst <= MAX_REL_ERROR, what + ": worst relative error " + worst + " at " + worstAt);
    }

    /**
     * The full gradient check of one op; returns R (so callers can build further losses from it).
     * Inputs that do not need a gradient must come back with none.
     */
    static double[] checkOp(String what, Op op, Tensor[] xs, double[] weights, long seed) {
        return checkOp(what, op, xs, weights, seed, FiniteDifferences.H);
    }

    /** As above with finite-difference step {@code h}. */
    static double[] checkOp(String what, Op op, Tensor[] xs, double[] weights, long seed, double h) {
        double[] weightGrad = new double[weights.length];
        Tape tape = new Tape(weights, weightGrad, true, null);
        Tensor y = op.apply(tape, xs);
        double[] r = gaussian(new SplittableRandom(seed), y.v.length);
        System.arraycopy(r, 0, y.grad(), 0, r.length);
        tape.backward();

        Supplier<double[]> forward = () -> op.apply(new Tape(weights, null, false, null), xs).v;
        assertArrayEquals(y.v, forward.get(), what + ": forward must be deterministic");
        for (int k = 0; k < xs.length; k++) {
            Tensor x = xs[k];
            if (x.needsGrad) {
                assertNotNull(x.gradOrNull(), what + ": no gradient reached input " + k);
                assertTrue(norm(x.gradOrNull()) > 0, what + ": gradient of input " + k + " vanished");
                assertMatchesFiniteDifferences(what + " dL/dx" + k, x.gradOrNull(), x.v, h, forward, r);
            } else {
                assertNull(x.gradOrNull(), what + ": input " + k + " needs no gradient but got one");
            }
        }
        assertMatchesFiniteDifferences(what + " dL/dw", weightGrad, weights, h, forward, r);
        if (weights.length > OFF + TAIL) {
            assertTrue(norm(weightGrad) > 0, what + ": weight gradient vanished");
        }

        // the same pass without ∇ω: identical output and input gradients, weights untouched
        double[] weightsBefore = weights.clone();
        Tensor[] fresh = new Tensor[xs.length];
        for (int k = 0; k < xs.length; k++) {
            fresh[k] = copyOf(xs[k]);
        }
        Tape noWeightGrad = new Tape(weights, null, true, null);
        assertFalse(noWeightGrad.wantsWeightGrad());
        Tensor y2 = op.apply(noWeightGrad, fresh);
        assertArrayEquals(y.v, y2.v, what + ": output without weight gradient");
        System.arraycopy(r, 0, y2.grad(), 0, r.length);
        noWeightGrad.backward();
        for (int k = 0; k < xs.length; k++) {
            assertArrayEquals(xs[k].gradOrNull(), fresh[k].gradOrNull(),
                    what + ": input " + k + " gradient without weight gradient");
        }
        assertArrayEquals(weightsBefore, weights, what + ": weights changed");
        return r;
    }

    /** PyTorch's output size, written out independently of {@link Convolution#outSize}. */
    static int expectedOut(int in, int k, int s, int p, int d) {
        return Math.floorDiv(in + 2 * p - d * (k - 1) - 1, s) + 1;
    }

    static double at(Tensor x, int n, int c, int i, int j) {
        return x.v[((n * x.c + c) * x.h + i) * x.w + j];
    }

    // ------------------------------------------------------------------------------------------------
    // convolutions

    /** (k, s, p, d) of every depthwise use in the search space, on odd, even and non-square planes. */
    static Stream<Arguments> depthwiseConfigs() {
        int[][] kspd = {{3, 1, 1, 1}, {5, 1, 2, 1}, {3, 2, 1, 1}, {3, 1, 2, 2}, {5, 2, 4, 2}};
        int[][] sizes = {{7, 7}, {8, 8}, {7, 8}};
        List<Arguments> out = new ArrayList<>();
        for (int[] c : kspd) {
            for (int[] hw : sizes) {
                out.add(Arguments.of(c[0], c[1], c[2], c[3], hw[0], hw[1]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "k={0} s={1} p={2} d={3} on {4}x{5}")
    @MethodSource("depthwiseConfigs")
    void depthwiseGradients(int k, int s, int p, int d, int h, int w) {
        Tensor x = randomTensor(1, 2, 3, h, w, true);
        double[] weights = randomWeights(2, 3 * k * k);
        checkOp("depthwise", (t, xs) -> Convolution.depthwise(t, xs[0], OFF, k, s, p, d), new Tensor[] {x}, weights, 3);
    }

    @ParameterizedTest(name = "k={0} s={1} p={2} d={3} on {4}x{5}")
    @MethodSource("depthwiseConfigs")
    void depthwiseForwardMatchesNaiveLoops(int k, int s, int p, int d, int h, int w) {
        Tensor x = randomTensor(4, 2, 3, h, w, false);
        double[] weights = randomWeights(5, 3 * k * k);
        Tensor y = Convolution.depthwise(new Tape(weights, null, false, null), x, OFF, k, s, p, d);
        int oh = expectedOut(h, k, s, p, d);
        int ow = expectedOut(w, k, s, p, d);
        assertEquals(List.of(2, 3, oh, ow), List.of(y.n, y.c, y.h, y.w), "output shape");
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double sum = 0;
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                int r = i * s - p + ki * d;
                                int q = j * s - p + kj * d;
                                if (r >= 0 && r < h && q >= 0 && q < w) {
                                    sum += weights[OFF + (c * k + ki) * k + kj] * at(x, n, c, r, q);
                                }
                            }
                        }
                        assertEquals(sum, at(y, n, c, i, j), FORWARD_TOL, "y[" + n + "," + c + "," + i + "," + j + "]");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "on {0}x{0}")
    @ValueSource(ints = {7, 8})
    void denseGradients(int size) {
        Tensor x = randomTensor(6, 2, 2, size, size, true);
        double[] weights = randomWeights(7, 3 * 2 * 3 * 3);
        checkOp("dense", (t, xs) -> Convolution.dense(t, xs[0], OFF, 3, 3, 1, 1), new Tensor[] {x}, weights, 8);
    }

    @Test
    void denseOnAnInputWithoutGradientLeavesItUntouched() {
        Tensor x = randomTensor(9, 2, 2, 7, 7, false);
        double[] weights = randomWeights(10, 3 * 2 * 3 * 3);
        // checkOp asserts x.gradOrNull() stays null and still checks every weight gradient
        checkOp("dense, x without gradient", (t, xs) -> Convolution.dense(t, xs[0], OFF, 3, 3, 1, 1),
                new Tensor[] {x}, weights, 11);
        assertNull(x.gradOrNull());
    }

    @ParameterizedTest(name = "stride {0}")
    @ValueSource(ints = {1, 2})
    void denseForwardMatchesNaiveLoops(int s) {
        int cin = 2;
        int cout = 3;
        int k = 3;
        int p = 1;
        Tensor x = randomTensor(12, 2, cin, 7, 8, false);
        double[] weights = randomWeights(13, cout * cin * k * k);
        Tensor y = Convolution.dense(new Tape(weights, null, false, null), x, OFF, cout, k, s, p);
        int oh = expectedOut(7, k, s, p, 1);
        int ow = expectedOut(8, k, s, p, 1);
        assertEquals(List.of(2, cout, oh, ow), List.of(y.n, y.c, y.h, y.w), "output shape");
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < cout; o++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double sum = 0;
                        for (int c = 0; c < cin; c++) {
                            for (int ki = 0; ki < k; ki++) {
                                for (int kj = 0; kj < k; kj++) {
                                    int r = i * s - p + ki;
                                    int q = j * s - p + kj;
                                    if (r >= 0 && r < x.h && q >= 0 && q < x.w) {
                                        sum += weights[OFF + ((o * cin + c) * k + ki) * k + kj] * at(x, n, c, r, q);
                                    }
                                }
                            }
                        }
                        assertEquals(sum, at(y, n, o, i, j), FORWARD_TOL, "y[" + n + "," + o + "," + i + "," + j + "]");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "on {0}x{0}")
    @ValueSource(ints = {7, 8})
    void pointwiseGradients(int size) {
        Tensor x = randomTensor(14, 2, 3, size, size, true);
        double[] weights = randomWeights(15, 4 * 3);
        checkOp("pointwise", (t, xs) -> Convolution.pointwise(t, xs[0], OFF, 4), new Tensor[] {x}, weights, 16);
    }

    @Test
    void pointwiseForwardMatchesNaiveLoops() {
        int cin = 3;
        int cout = 4;
        Tensor x = randomTensor(17, 2, cin, 7, 8, false);
        double[] weights = randomWeights(18, cout * cin);
        Tensor y = Convolution.pointwise(new Tape(weights, null, false, null), x, OFF, cout);
        assertEquals(List.of(2, cout, 7, 8), List.of(y.n, y.c, y.h, y.w), "output shape");
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < cout; o++) {
                for (int i = 0; i < 7; i++) {
                    for (int j = 0; j < 8; j++) {
                        double sum = 0;
                        for (int c = 0; c < cin; c++) {
                            sum += weights[OFF + o * cin + c] * at(x, n, c, i, j);
                        }
                        assertEquals(sum, at(y, n, o, i, j), FORWARD_TOL, "y[" + n + "," + o + "," + i + "," + j + "]");
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // BatchNorm

    /** Per-channel scale and shift so that the batch statistics differ from (0, 1). */
    static Tensor unnormalised(long seed, int size) {
        Tensor x = randomTensor(seed, 2, 3, size, size, true);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int j = 0; j < x.plane(); j++) {
                    int i = (n * 3 + c) * x.plane() + j;
                    x.v[i] = (0.5 + c) * x.v[i] + (c - 1.5);
                }
            }
        }
        return x;
    }

    @ParameterizedTest(name = "on {0}x{0}")
    @ValueSource(ints = {7, 8})
    void batchNormPlainGradients(int size) {
        checkOp("BatchNorm.plain", (t, xs) -> BatchNorm.plain(t, xs[0]), new Tensor[] {unnormalised(19, size)},
                new double[0], 20, BN_STEP);
    }

    @ParameterizedTest(name = "on {0}x{0}")
    @ValueSource(ints = {7, 8})
    void batchNormAffineGradients(int size) {
        // γ at OFF, β at OFF + 3
        checkOp("BatchNorm.affine", (t, xs) -> BatchNorm.affine(t, xs[0], OFF, OFF + 3),
                new Tensor[] {unnormalised(21, size)}, randomWeights(22, 6), 23, BN_STEP);
    }

    @Test
    void batchNormNormalisesEachChannel() {
        Tensor x = unnormalised(24, 7);
        double[] weights = randomWeights(25, 6);
        Tensor plain = BatchNorm.plain(new Tape(weights, null, false, null), x);
        Tensor affine = BatchNorm.affine(new Tape(weights, null, false, null), x, OFF, OFF + 3);
        int m = 2 * x.plane();
        for (int c = 0; c < 3; c++) {
            double[] xs = new double[m];
            double[] ps = new double[m];
            double[] as = new double[m];
            for (int n = 0; n < 2; n++) {
                for (int j = 0; j < x.plane(); j++) {
                    int i = (n * 3 + c) * x.plane() + j;
                    xs[n * x.plane() + j] = x.v[i];
                    ps[n * x.plane() + j] = plain.v[i];
                    as[n * x.plane() + j] = affine.v[i];
                }
            }
            double var = biasedVariance(xs);
            assertTrue(var > 0.1, "the input must not be normalised already");
            double expected = var / (var + BatchNorm.EPS);
            assertEquals(0, mean(ps), 1e-9, "plain: mean of channel " + c);
            assertEquals(expected, biasedVariance(ps), 1e-9, "plain: variance of channel " + c);
            double gamma = weights[OFF + c];
            double beta = weights[OFF + 3 + c];
            assertEquals(beta, mean(as), 1e-9, "affine: mean of channel " + c);
            assertEquals(gamma * gamma * expected, biasedVariance(as), 1e-9, "affine: variance of channel " + c);
        }
    }

    static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    static double biasedVariance(double[] v) {
        double mu = mean(v);
        double s = 0;
        for (double d : v) {
            s += (d - mu) * (d - mu);
        }
        return s / v.length;
    }

    // ------------------------------------------------------------------------------------------------
    // pooling

    static Stream<Arguments> poolConfigs() {
        return Stream.of(Arguments.of(1, 7), Arguments.of(1, 8), Arguments.of(2, 7), Arguments.of(2, 8));
    }

    @ParameterizedTest(name = "stride {0} on {1}x{1}")
    @MethodSource("poolConfigs")
    void maxPoolGradients(int s, int size) {
        // gaussians: no ties, and no two window values within the FD step of each other
        checkOp("max pool", (t, xs) -> Pooling.max(t, xs[0], s), new Tensor[] {randomTensor(26, 2, 3, size, size, true)},
                new double[0], 27);
    }

    @ParameterizedTest(name = "stride {0} on {1}x{1}")
    @MethodSource("poolConfigs")
    void avgPoolGradients(int s, int size) {
        checkOp("avg pool", (t, xs) -> Pooling.avg(t, xs[0], s), new Tensor[] {randomTensor(28, 2, 3, size, size, true)},
                new double[0], 29);
    }

    @Test
    void avgPoolExcludesPaddingFromTheCount() {
        Tensor x = randomTensor(30, 2, 3, 7, 7, false);
        Tensor y = Pooling.avg(new Tape(new double[0], null, false, null), x, 1);
        assertEquals(List.of(2, 3, 7, 7), List.of(y.n, y.c, y.h, y.w), "output shape");
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                double corner = (at(x, n, c, 0, 0) + at(x, n, c, 0, 1) + at(x, n, c, 1, 0) + at(x, n, c, 1, 1)) / 4;
                assertEquals(corner, at(y, n, c, 0, 0), FORWARD_TOL, "top-left corner: mean of 4");
                double farCorner = (at(x, n, c, 5, 5) + at(x, n, c, 5, 6) + at(x, n, c, 6, 5) + at(x, n, c, 6, 6)) / 4;
                assertEquals(farCorner, at(y, n, c, 6, 6), FORWARD_TOL, "bottom-right corner: mean of 4");
                double edge = 0;
                for (int i = 0; i <= 1; i++) {
                    for (int j = 2; j <= 4; j++) {
                        edge += at(x, n, c, i, j);
                    }
                }
                assertEquals(edge / 6, at(y, n, c, 0, 3), FORWARD_TOL, "top edge: mean of 6");
                double interior = 0;
                for (int i = 2; i <= 4; i++) {
                    for (int j = 3; j <= 5; j++) {
                        interior += at(x, n, c, i, j);
                    }
                }
                assertEquals(interior / 9, at(y, n, c, 3, 4), FORWARD_TOL, "interior: mean of 9");
            }
        }
        // stride 2 on 7x7: output (3, 3) is centred on (6, 6), whose window holds 4 valid pixels
        Tensor y2 = Pooling.avg(new Tape(new double[0], null, false, null), x, 2);
        assertEquals(List.of(4, 4), List.of(y2.h, y2.w), "stride-2 output shape");
        double last = (at(x, 1, 2, 5, 5) + at(x, 1, 2, 5, 6) + at(x, 1, 2, 6, 5) + at(x, 1, 2, 6, 6)) / 4;
        assertEquals(last, at(y2, 1, 2, 3, 3), FORWARD_TOL, "stride 2, last corner: mean of 4");
    }

    @Test
    void maxPoolOnAHandBuiltPlane() {
        // all negative, so a max pool that let the zero padding win would be caught
        double[][] plane = {
            {1, 5, 2, 0},
            {3, 4, 9, 6},
            {8, 7, -1, -2},
            {0, 2, 3, 10},
        };
        double[][] stride1 = {
            {5, 9, 9, 9},
            {8, 9, 9, 9},
            {8, 9, 10, 10},
            {8, 8, 10, 10},
        };
        double[][] stride2 = {
            {5, 9},
            {8, 10},
        };
        double shift = -20;
        double[] v = new double[16];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                v[i * 4 + j] = plane[i][j] + shift;
            }
        }
        Tensor x = new Tensor(1, 1, 4, 4, v, false);
        Tensor y1 = Pooling.max(new Tape(new double[0], null, false, null), x, 1);
        Tensor y2 = Pooling.max(new Tape(new double[0], null, false, null), x, 2);
        assertEquals(List.of(4, 4), List.of(y1.h, y1.w));
        assertEquals(List.of(2, 2), List.of(y2.h, y2.w));
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(stride1[i][j] + shift, at(y1, 0, 0, i, j), 0, "stride 1 at " + i + "," + j);
            }
        }
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertEquals(stride2[i][j] + shift, at(y2, 0, 0, i, j), 0, "stride 2 at " + i + "," + j);
            }
        }
    }

    @Test
    void maxPoolOfAnAllMinusInfinityWindowSendsItsGradientInsideItsOwnPlane() {
        // plane 1 is −∞ everywhere: no value beats the −∞ padding, yet the gradient must stay in plane 1
        double[] v = new double[2 * 9];
        java.util.Arrays.fill(v, 9, 18, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < 9; i++) {
            v[i] = i;
        }
        for (int s : new int[] {1, 2}) {
            Tensor x = new Tensor(1, 2, 3, 3, v, true);
            Tape t = new Tape(new double[0], null, true, null);
            Tensor y = Pooling.max(t, x, s);
            java.util.Arrays.fill(y.grad(), 1);
            t.backward();
            double[] dx = x.grad();
            double plane0 = 0;
            double plane1 = 0;
            for (int i = 0; i < 9; i++) {
                plane0 += dx[i];
                plane1 += dx[9 + i];
            }
            assertEquals(y.plane(), plane0, 0, "stride " + s + ": plane 0 gets one unit per output");
            assertEquals(y.plane(), plane1, 0, "stride " + s + ": plane 1 gets one unit per output, none elsewhere");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // cheap layers

    @ParameterizedTest(name = "on {0}x{0}")
    @ValueSource(ints = {7, 8})
    void reluGradients(int size) {
        Tensor x = randomTensor(31, 2, 3, size, size, true);
        for (int i = 0; i < x.v.length; i++) {
            // keep every input at least 0.1 away from the kink
            x.v[i] += Math.copySign(0.1, x.v[i]);
        }
        Tensor y = Layers.relu(new Tape(new double[0], null, false, null), x);
        for (int i = 0; i < x.v.length; i++) {
            assertEquals(Math.max(x.v[i], 0), y.v[i], 0, "relu forward at " + i);
        }
        checkOp("relu", (t, xs) -> Layers.relu(t, xs[0]), new Tensor[] {x}, new double[0], 32);
    }

    @ParameterizedTest(name = "shift {0}")
    @ValueSource(ints = {0, 1})
    void subsampleGradients(int shift) {
        checkOp("subsample", (t, xs) -> Layers.subsample(t, xs[0], shift),
                new Tensor[] {randomTensor(33, 2, 3, 8, 8, true)}, new double[0], 34);
    }

    @ParameterizedTest(name = "shift {0}")
    @ValueSource(ints = {0, 1})
    void subsamplePicksTheStrideTwoGrid(int shift) {
        Tensor x = randomTensor(35, 2, 3, 8, 8, false);
        Tensor y = Layers.subsample(new Tape(new double[0], null, false, null), x, shift);
        assertEquals(List.of(2, 3, 4, 4), List.of(y.n, y.c, y.h, y.w), "output shape");
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 4; j++) {
                        // x[shift::2, shift::2]
                        assertEquals(at(x, n, c, shift + 2 * i, shift + 2 * j), at(y, n, c, i, j), 0,
                                "y[" + n + "," + c + "," + i + "," + j + "]");
                    }
                }
            }
        }
    }

    @Test
    void concatGradients() {
        Tensor a = randomTensor(36, 2, 2, 7, 7, true);
        Tensor b = randomTensor(37, 2, 1, 7, 7, false);
        Tensor c = randomTensor(38, 2, 3, 7, 7, true);
        Tensor y = Layers.concat(new Tape(new double[0], null, false, null), List.of(a, b, c));
        assertEquals(List.of(2, 6, 7, 7), List.of(y.n, y.c, y.h, y.w), "output shape");
        assertEquals(at(a, 1, 1, 3, 4), at(y, 1, 1, 3, 4), 0, "channel 1 comes from a");
        assertEquals(at(b, 1, 0, 3, 4), at(y, 1, 2, 3, 4), 0, "channel 2 comes from b");
        assertEquals(at(c, 1, 2, 6, 0), at(y, 1, 5, 6, 0), 0, "channel 5 comes from c");
        checkOp("concat", (t, xs) -> Layers.concat(t, List.of(xs)), new Tensor[] {a, b, c}, new double[0], 39);
    }

    @Test
    void weightedSumGradientsWithATermThatAppearsTwice() {
        Tensor a = randomTensor(40, 2, 3, 7, 7, true);
        Tensor b = randomTensor(41, 2, 3, 7, 7, true);
        Tensor z = randomTensor(42, 2, 3, 7, 7, false);
        double[] coef = {0.2, 0.5, 0.3, 0.7};
        // a appears as the first and the third term (skip_connect next to another op on the same input);
        // the coefficient index of a term is not its position
        int[] idx = {2, 0, 1, 3};
        List<double[]> dCoefs = new ArrayList<>();
        Op op = (t, xs) -> {
            double[] dCoef = new double[coef.length];
            if (t.recording) {
                dCoefs.add(dCoef);
            }
            return Layers.weightedSum(t, List.of(xs[0], xs[1], xs[0], xs[2]), idx, coef, dCoef, null);
        };
        Tensor y = op.apply(new Tape(new double[0], null, false, null), new Tensor[] {a, b, z});
        for (int i = 0; i < y.v.length; i++) {
            double expected = coef[2] * a.v[i] + coef[0] * b.v[i] + coef[1] * a.v[i] + coef[3] * z.v[i];
            assertEquals(expected, y.v[i], FORWARD_TOL, "weighted sum at " + i);
        }
        double[] r = checkOp("weightedSum", op, new Tensor[] {a, b, z}, new double[0], 43);
        assertEquals(2, dCoefs.size(), "one recorded pass with and one without weight gradient");
        assertArrayEquals(dCoefs.get(0), dCoefs.get(1), "dCoef does not depend on the weight gradient");
        Supplier<double[]> forward = () -> op.apply(new Tape(new double[0], null, false, null),
                new Tensor[] {a, b, z}).v;
        assertMatchesFiniteDifferences("weightedSum dL/dcoef", dCoefs.get(0), coef, FiniteDifferences.H, forward, r);
        assertTrue(norm(dCoefs.get(0)) > 0, "dCoef vanished");
    }

    // ------------------------------------------------------------------------------------------------
    // classifier head

    @Test
    void classifierLossGradients() {
        int classes = 4;
        int c = 3;
        Tensor x = randomTensor(44, 3, c, 5, 5, true);
        int[] labels = {2, 0, 3};
        int wOff = OFF;
        int bOff = OFF + classes * c;
        double[] weights = randomWeights(45, classes * c + classes);
        double[] weightGrad = new double[weights.length];
        Tape tape = new Tape(weights, weightGrad, true, null);
        double loss = Layers.classifierLoss(tape, x, wOff, bOff, classes, labels, new double[3 * classes]);
        tape.backward();

        // the loss itself is the scalar L: r = (1)
        Supplier<double[]> lossFn = () -> new double[] {Layers.classifierLoss(new Tape(weights, null, false, null), x,
                wOff, bOff, classes, labels, new double[3 * classes])};
        double[] one = {1};
        assertEquals(loss, lossFn.get()[0], 0, "forward must be deterministic");
        assertNotNull(x.gradOrNull(), "no gradient reached x");
        assertTrue(norm(x.gradOrNull()) > 0, "x gradient vanished");
        assertMatchesFiniteDifferences("classifierLoss dloss/dx", x.gradOrNull(), x.v, FiniteDifferences.H, lossFn, one);
        assertMatchesFiniteDifferences("classifierLoss dloss/dw", weightGrad, weights, FiniteDifferences.H, lossFn, one);
        assertTrue(norm(weightGrad) > 0, "weight gradient vanished");

        Tensor fresh = copyOf(x);
        Tape noWeightGrad = new Tape(weights, null, true, null);
        assertEquals(loss, Layers.classifierLoss(noWeightGrad, fresh, wOff, bOff, classes, labels,
                new double[3 * classes]), 0);
        noWeightGrad.backward();
        assertArrayEquals(x.gradOrNull(), fresh.gradOrNull(), "x gradient without weight gradient");
    }

    @Test
    void classifierLossIsTheSumOfNegativeLogSoftmax() {
        // two images, two channels of 2x2, three classes
        double[] v = {
            1, 2, 3, 4, /* */ 0, 0, 0, -2, // image 0: pooled (2.5, -0.5)
            -1, -1, -1, -1, /* */ 2, 0, 1, 1, // image 1: pooled (-1, 1)
        };
        Tensor x = new Tensor(2, 2, 2, 2, v, false);
        double[] weights = {
            1, 0, // class 0
            0, 1, // class 1
            1, 1, // class 2
            0.1, -0.2, 0.3, // bias
        };
        int[] labels = {0, 2};
        double[] logits = new double[6];
        double loss = Layers.classifierLoss(new Tape(weights, null, false, null), x, 0, 6, 3, labels, logits);
        double[] expectedLogits = {2.6, -0.7, 2.3, -0.9, 0.8, 0.3};
        assertArrayEquals(expectedLogits, logits, 1e-12, "logits");
        double first = -Math.log(Math.exp(2.6) / (Math.exp(2.6) + Math.exp(-0.7) + Math.exp(2.3)));
        double second = -Math.log(Math.exp(0.3) / (Math.exp(-0.9) + Math.exp(0.8) + Math.exp(0.3)));
        assertEquals(first + second, loss, 1e-12, "loss is the SUM of −log softmax over the batch");
    }
}
