package ai.sparknas.kernels.net;

import static ai.sparknas.kernels.net.OpGradientTest.OFF;
import static ai.sparknas.kernels.net.OpGradientTest.TAIL;
import static ai.sparknas.kernels.net.OpGradientTest.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The R-operator of every float64 kernel, checked alone against float64 central differences.
 *
 * <p>For y = op(x; W) and the test loss {@code L = Σ R⊙y + ½ Σ Q⊙y²} (so ∂y = R + Q⊙y is itself
 * curved), an R-pass along (ẋ, D) must give ẏ, the tangents of ∂x and the weight-gradient tangent
 * Σ H·D equal to {@code [f(x + hẋ, W + hD) − f(x − hẋ, W − hD)] / 2h} of the ordinary pass's
 * (y, ∂x, ∂W), to 1e-6 relative (norm of the difference over the norm), where no ReLU or max-pool
 * decision differs between the two perturbed passes (asserted through the tape's decision digest).
 */
class OpProductTest {

    static final double MAX_REL_ERROR = 1e-6;
    static final double H = 1e-6;

    /** One op under test. */
    @FunctionalInterface
    interface Op {
        Tensor apply(Tape t, Tensor[] xs);
    }

    /** Values, input gradients and weight gradient of one ordinary pass at (x + s·ẋ, W + s·D). */
    private static List<double[]> pass(Op op, Tensor[] xs, double[][] xt, double[] w, double[] d, double s,
                                       double[] r, double[] q, AtomicLong digest) {
        double[] ws = w.clone();
        for (int i = 0; i < ws.length; i++) {
            ws[i] += s * d[i];
        }
        Tensor[] in = new Tensor[xs.length];
        for (int k = 0; k < xs.length; k++) {
            double[] v = xs[k].v.clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += s * xt[k][i];
            }
            in[k] = new Tensor(xs[k].n, xs[k].c, xs[k].h, xs[k].w, v, xs[k].needsGrad);
        }
        double[] grad = new double[w.length];
        Tape t = new Tape(ws, grad, true, null);
        t.decisions = digest;
        Tensor y = op.apply(t, in);
        double[] dy = y.grad();
        for (int i = 0; i < dy.length; i++) {
            dy[i] = r[i] + q[i] * y.v[i];
        }
        t.backward();
        List<double[]> out = new ArrayList<>();
        out.add(y.v);
        for (Tensor x : in) {
            out.add(x.grad());
        }
        out.add(grad);
        return out;
    }

    static double relativeError(double[] exact, double[] numeric) {
        double diff = 0;
        double ref = 0;
        for (int i = 0; i < exact.length; i++) {
            diff += (exact[i] - numeric[i]) * (exact[i] - numeric[i]);
            ref += numeric[i] * numeric[i];
        }
        return ref == 0 ? Math.sqrt(diff) : Math.sqrt(diff / ref);
    }

    /** The full R-operator check of one op. */
    static void checkProducts(String what, Op op, Tensor[] xs, double[] weights, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] xt = new double[xs.length][];
        for (int k = 0; k < xs.length; k++) {
            xt[k] = gaussian(rng, xs[k].v.length);
        }
        double[] d = gaussian(rng, weights.length);
        int outLen = op.apply(new Tape(weights, null, false, null), xs).v.length;
        double[] r = gaussian(rng, outLen);
        double[] q = new double[outLen];
        for (int i = 0; i < outLen; i++) {
            q[i] = 0.5 + rng.nextDouble();
        }

        // the R-pass
        Tensor[] in = new Tensor[xs.length];
        for (int k = 0; k < xs.length; k++) {
            in[k] = new Tensor(xs[k].n, xs[k].c, xs[k].h, xs[k].w, xs[k].v.clone(), xs[k].needsGrad);
            in[k].t = xt[k].clone();
        }
        double[] hd = new double[weights.length];
        Tape t = Tape.rPass(weights, d, hd, false, null);
        Tensor y = op.apply(t, in);
        double[] yt = y.t == null ? new double[outLen] : y.t;
        double[] dy = y.grad();
        double[] dyt = y.tangentGrad();
        for (int i = 0; i < outLen; i++) {
            dy[i] = r[i] + q[i] * y.v[i];
            dyt[i] = q[i] * yt[i];
        }
        t.backward();
        List<double[]> exact = new ArrayList<>();
        exact.add(yt);
        for (Tensor x : in) {
            exact.add(x.tangentGrad());
        }
        exact.add(hd);

        AtomicLong plus = new AtomicLong();
        AtomicLong minus = new AtomicLong();
        List<double[]> p = pass(op, xs, xt, weights, d, H, r, q, plus);
        List<double[]> m = pass(op, xs, xt, weights, d, -H, r, q, minus);
        assertEquals(plus.get(), minus.get(), what + ": a ReLU or max-pool decision flipped between x ± h·ẋ");
        for (int b = 0; b < exact.size(); b++) {
            double[] numeric = new double[p.get(b).length];
            for (int i = 0; i < numeric.length; i++) {
                numeric[i] = (p.get(b)[i] - m.get(b)[i]) / (2 * H);
            }
            String part = b == 0 ? "ẏ" : b == exact.size() - 1 ? "H·D (weights)" : "(∂x" + (b - 1) + ")˙";
            double err = relativeError(exact.get(b), numeric);
            assertTrue(err <= MAX_REL_ERROR, what + " " + part + ": relative error " + err);
            if (b < exact.size() - 1 || weights.length > OFF + TAIL) {
                assertTrue(OpGradientTest.norm(numeric) > 1e-8, what + " " + part + " must not vanish");
            }
        }
        // outside its slice an op's weight tangent is zero
        for (int i = 0; i < OFF && i < hd.length; i++) {
            assertEquals(0, hd[i], what + ": H·D written outside the op's weights");
        }
    }

    static Tensor tensor(long seed, int n, int c, int h, int w) {
        return OpGradientTest.randomTensor(seed, n, c, h, w, true);
    }

    static Stream<Arguments> depthwiseConfigs() {
        return OpGradientTest.depthwiseConfigs();
    }

    @ParameterizedTest(name = "k={0} s={1} p={2} d={3} on {4}x{5}")
    @MethodSource("depthwiseConfigs")
    void depthwise(int k, int s, int p, int d, int h, int w) {
        checkProducts("depthwise", (t, xs) -> Convolution.depthwise(t, xs[0], OFF, k, s, p, d),
                new Tensor[] {tensor(1, 2, 3, h, w)}, OpGradientTest.randomWeights(2, 3 * k * k), 3);
    }

    @Test
    void depthwiseWithoutPaddingTakesTheGeneralPath() {
        checkProducts("depthwise k3 p0", (t, xs) -> Convolution.depthwise(t, xs[0], OFF, 3, 1, 0, 1),
                new Tensor[] {tensor(4, 2, 2, 7, 6)}, OpGradientTest.randomWeights(5, 2 * 9), 6);
    }

    @Test
    void dense() {
        checkProducts("dense 3x3", (t, xs) -> Convolution.dense(t, xs[0], OFF, 4, 3, 1, 1),
                new Tensor[] {tensor(7, 2, 3, 6, 5)}, OpGradientTest.randomWeights(8, 4 * 3 * 9), 9);
    }

    @Test
    void pointwise() {
        checkProducts("pointwise", (t, xs) -> Convolution.pointwise(t, xs[0], OFF, 5),
                new Tensor[] {tensor(10, 3, 4, 5, 3)}, OpGradientTest.randomWeights(11, 5 * 4), 12);
    }

    @Test
    void batchNormPlain() {
        checkProducts("bn", (t, xs) -> BatchNorm.plain(t, xs[0]), new Tensor[] {tensor(13, 3, 2, 4, 3)},
                new double[OFF + TAIL], 14);
    }

    @Test
    void batchNormAffine() {
        checkProducts("bn affine", (t, xs) -> BatchNorm.affine(t, xs[0], OFF, OFF + 2),
                new Tensor[] {tensor(15, 3, 2, 4, 3)}, OpGradientTest.randomWeights(16, 4), 17);
    }

    @Test
    void convolutionThenBatchNormThenRelu() {
        // a chain: the tangent and its gradient cross kernels, and ReLU's mask comes from a computed input
        checkProducts("pointwise→bn→relu→pointwise", (t, xs) -> Convolution.pointwise(t,
                        Layers.relu(t, BatchNorm.plain(t, Convolution.pointwise(t, xs[0], OFF, 3))), OFF + 6, 2),
                new Tensor[] {tensor(18, 3, 2, 4, 4)}, OpGradientTest.randomWeights(19, 6 + 6), 20);
    }

    @Test
    void relu() {
        checkProducts("relu", (t, xs) -> Layers.relu(t, xs[0]), new Tensor[] {tensor(21, 2, 3, 4, 5)},
                new double[OFF + TAIL], 22);
    }

    @ParameterizedTest(name = "stride {0}")
    @ValueSource(ints = {1, 2})
    void maxPool(int s) {
        checkProducts("max pool", (t, xs) -> Pooling.max(t, xs[0], s), new Tensor[] {tensor(23, 2, 3, 7, 6)},
                new double[OFF + TAIL], 24);
    }

    @ParameterizedTest(name = "stride {0}")
    @ValueSource(ints = {1, 2})
    void avgPool(int s) {
        checkProducts("avg pool", (t, xs) -> Pooling.avg(t, xs[0], s), new Tensor[] {tensor(25, 2, 3, 7, 6)},
                new double[OFF + TAIL], 26);
    }

    @ParameterizedTest(name = "shift {0}")
    @ValueSource(ints = {0, 1})
    void subsample(int shift) {
        checkProducts("subsample", (t, xs) -> Layers.subsample(t, xs[0], shift),
                new Tensor[] {tensor(27, 2, 3, 7, 6)}, new double[OFF + TAIL], 28);
    }

    @Test
    void concat() {
        checkProducts("concat", (t, xs) -> Layers.concat(t, List.of(xs)), new Tensor[] {tensor(29, 2, 1, 3, 3),
                tensor(30, 2, 2, 3, 3), tensor(31, 2, 3, 3, 3)}, new double[OFF + TAIL], 32);
    }

    @Test
    void weightedSumTermsAndCoefficientTangent() {
        double[] coef = {0.2, -0.7, 1.3, 0.4};
        int[] idx = {3, 0, 2};
        Tensor[] xs = {tensor(33, 2, 2, 3, 3), tensor(34, 2, 2, 3, 3), tensor(35, 2, 2, 3, 3)};
        checkProducts("weighted sum", (t, in) -> Layers.weightedSum(t, List.of(in), idx, coef, new double[4],
                new double[4]), xs, new double[OFF + TAIL], 36);

        // the coefficient gradient's tangent: ⟨ẋ_t, ∂y⟩ + ⟨x_t, (∂y)˙⟩ against the difference of ⟨x_t, ∂y⟩
        SplittableRandom rng = new SplittableRandom(37);
        double[][] xt = new double[3][];
        for (int k = 0; k < 3; k++) {
            xt[k] = gaussian(rng, xs[k].v.length);
        }
        double[] r = gaussian(rng, xs[0].v.length);
        Function<Double, double[]> dCoefAt = s -> {
            Tensor[] in = new Tensor[3];
            for (int k = 0; k < 3; k++) {
                double[] v = xs[k].v.clone();
                for (int i = 0; i < v.length; i++) {
                    v[i] += s * xt[k][i];
                }
                in[k] = new Tensor(2, 2, 3, 3, v, true);
            }
            double[] dCoef = new double[4];
            Tape t = new Tape(new double[0], null, true, true, null);
            Tensor y = Layers.weightedSum(t, List.of(in), idx, coef, dCoef, null);
            for (int i = 0; i < r.length; i++) {
                y.grad()[i] = r[i] + y.v[i] * y.v[i]; // a curved loss: ∂y depends on y
            }
            t.backward();
            return dCoef;
        };
        Tensor[] in = new Tensor[3];
        for (int k = 0; k < 3; k++) {
            in[k] = new Tensor(2, 2, 3, 3, xs[k].v.clone(), true);
            in[k].t = xt[k];
        }
        double[] dCoefT = new double[4];
        Tape t = new Tape(new double[0], null, true, false, new double[0], null, true, null);
        Tensor y = Layers.weightedSum(t, List.of(in), idx, coef, new double[4], dCoefT);
        for (int i = 0; i < r.length; i++) {
            y.grad()[i] = r[i] + y.v[i] * y.v[i];
            y.tangentGrad()[i] = 2 * y.v[i] * y.t[i];
        }
        t.backward();
        double[] p = dCoefAt.apply(H);
        double[] m = dCoefAt.apply(-H);
        double[] numeric = new double[4];
        for (int i = 0; i < 4; i++) {
            numeric[i] = (p[i] - m[i]) / (2 * H);
        }
        assertEquals(0, numeric[1], 1e-12, "coefficient 1 is used by no term");
        assertTrue(relativeError(dCoefT, numeric) <= MAX_REL_ERROR, "coefficient tangent: relative error "
                + relativeError(dCoefT, numeric));
    }

    @Test
    void classifierHeadCurvature() {
        Tensor x = tensor(38, 3, 4, 2, 3);
        int classes = 3;
        double[] weights = gaussian(new SplittableRandom(39), classes * 4 + classes);
        int[] labels = {2, 0, 1};
        SplittableRandom rng = new SplittableRandom(40);
        double[] xt = gaussian(rng, x.v.length);
        double[] d = gaussian(rng, weights.length);
        Function<Double, double[]> gradsAt = s -> {
            double[] w = weights.clone();
            double[] v = x.v.clone();
            for (int i = 0; i < w.length; i++) {
                w[i] += s * d[i];
            }
            for (int i = 0; i < v.length; i++) {
                v[i] += s * xt[i];
            }
            Tensor in = new Tensor(x.n, x.c, x.h, x.w, v, true);
            double[] g = new double[w.length];
            Tape t = new Tape(w, g, true, null);
            Layers.classifierLoss(t, in, 0, classes * 4, classes, labels, new double[x.n * classes]);
            t.backward();
            double[] out = new double[v.length + g.length];
            System.arraycopy(in.grad(), 0, out, 0, v.length);
            System.arraycopy(g, 0, out, v.length, g.length);
            return out;
        };
        Tensor in = new Tensor(x.n, x.c, x.h, x.w, x.v.clone(), true);
        in.t = xt;
        double[] hd = new double[weights.length];
        Tape t = Tape.rPass(weights, d, hd, false, null);
        Layers.classifierLoss(t, in, 0, classes * 4, classes, labels, new double[x.n * classes]);
        t.backward();
        double[] exact = new double[x.v.length + hd.length];
        System.arraycopy(in.tangentGrad(), 0, exact, 0, x.v.length);
        System.arraycopy(hd, 0, exact, x.v.length, hd.length);
        double[] p = gradsAt.apply(H);
        double[] m = gradsAt.apply(-H);
        double[] numeric = new double[exact.length];
        for (int i = 0; i < numeric.length; i++) {
            numeric[i] = (p[i] - m[i]) / (2 * H);
        }
        double err = relativeError(exact, numeric);
        assertTrue(err <= MAX_REL_ERROR, "head: relative error " + err);
        assertTrue(OpGradientTest.norm(numeric) > 1e-3, "the head's curvature must not vanish");
    }
}
