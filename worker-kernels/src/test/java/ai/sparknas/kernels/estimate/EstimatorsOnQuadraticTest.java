package ai.sparknas.kernels.estimate;

import static ai.sparknas.kernels.estimate.QuadraticBilevelOracle.add;
import static ai.sparknas.kernels.estimate.QuadraticBilevelOracle.dot;
import static ai.sparknas.kernels.estimate.QuadraticBilevelOracle.mul;
import static ai.sparknas.kernels.estimate.QuadraticBilevelOracle.norm;
import static ai.sparknas.kernels.estimate.QuadraticBilevelOracle.scale;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The estimators against closed forms on {@link QuadraticBilevelOracle} (n = 6 weights, a = 4 α). */
class EstimatorsOnQuadraticTest {

    private static final int N = 6;
    private static final int A = 4;
    private static final double REL = 1e-6;
    private static final Products FD = Products.FINITE_DIFFERENCE;

    private final Random rnd = new Random(20240611L);
    private final QuadraticBilevelOracle oracle = QuadraticBilevelOracle.random(rnd, N, A);
    private final double[] w = QuadraticBilevelOracle.gaussian(rnd, N);
    private final double[] alpha = QuadraticBilevelOracle.gaussian(rnd, A);

    private static INDArray nd(double[] x) {
        return Nd4j.createFromArray(x.clone());
    }

    private SearchPoint point(double[] momentum, double lr) {
        return new SearchPoint(nd(w), nd(alpha), momentum == null ? null : nd(momentum), lr);
    }

    private static void assertRelClose(double[] expected, INDArray actual, String what) {
        assertEquals(DataType.DOUBLE, actual.dataType(), what);
        double[] diff = add(actual.toDoubleVector(), scale(expected, -1));
        double rel = norm(diff) / norm(expected);
        assertTrue(rel < REL, what + ": relative error " + rel + ", expected " + Arrays.toString(expected)
                + " got " + Arrays.toString(actual.toDoubleVector()));
    }

    @Test
    void amendedMatchesClosedForm() {
        double eta = 0.3;
        AlphaGradient g = new Amended(eta, 0.01, 0.01, FD).estimate(oracle, point(null, 0.025));
        double[] v = oracle.valWeightGrad(w, alpha);
        double[] g1 = oracle.valAlphaGrad(w, alpha);
        double[] hv = mul(oracle.h, v);
        double[] bhv = mul(oracle.b, hv);
        assertRelClose(hv, g.terms().get("Hv"), "Hv");
        assertRelClose(bhv, g.terms().get("z"), "z");
        assertRelClose(v, g.terms().get("v"), "v");
        assertRelClose(add(g1, scale(bhv, -eta)), g.gradient(), "amended gradient");
        assertEquals(oracle.valLoss(w, alpha), g.val().meanLoss(), 1e-12 * Math.abs(oracle.valLoss(w, alpha)));
    }

    @Test
    void secondOrderMatchesClosedFormWithMomentum() {
        checkSecondOrder(QuadraticBilevelOracle.gaussian(rnd, N));
    }

    @Test
    void secondOrderMatchesClosedFormWithoutMomentum() {
        checkSecondOrder(null);
    }

    private void checkSecondOrder(double[] momentum) {
        double mu = 0.9;
        double lambda = 3e-4;
        double xi = 0.025;
        AlphaGradient g = new SecondOrder(mu, lambda, 0.01, FD).estimate(oracle, point(momentum, xi));
        double[] step = add(oracle.trainWeightGrad(w, alpha), scale(w, lambda));
        if (momentum != null) {
            step = add(step, scale(momentum, mu));
        }
        double[] unrolled = add(w, scale(step, -xi));
        double[] v = oracle.valWeightGrad(unrolled, alpha);
        double[] expected = add(oracle.valAlphaGrad(unrolled, alpha), scale(mul(oracle.b, v), -xi));
        assertRelClose(unrolled, g.terms().get("unrolled"), "unrolled weights");
        assertRelClose(v, g.terms().get("v"), "v at w'");
        assertRelClose(expected, g.gradient(), "second-order gradient");
    }

    @Test
    void amendedWithZeroEtaIsFirstOrderBitForBit() {
        AlphaGradient amended = new Amended(0, 0.01, 0.01, FD).estimate(oracle, point(null, 0.025));
        AlphaGradient first = new FirstOrder().estimate(oracle, point(null, 0.025));
        assertEquals(first.gradient(), amended.gradient());
        assertArrayEquals(bits(first.gradient()), bits(amended.gradient()));
    }

    @Test
    void firstOrderIsMeanOfValAlphaSums() {
        AlphaGradient g = new FirstOrder().estimate(oracle, point(null, 0.025));
        double[] mean = oracle.valAlphaGrad(w, alpha);
        double[] expected = new double[A];
        for (int i = 0; i < A; i++) {
            expected[i] = (mean[i] * QuadraticBilevelOracle.VAL_COUNT) / QuadraticBilevelOracle.VAL_COUNT;
        }
        assertArrayEquals(expected, g.gradient().toDoubleVector(), 0.0);
        assertArrayEquals(mean, g.gradient().toDoubleVector(), 1e-15 * norm(mean));
    }

    @Test
    void passesMatchOracleCalls() {
        SearchPoint p = point(QuadraticBilevelOracle.gaussian(rnd, N), 0.025);
        AlphaGradientEstimator[] estimators = {new FirstOrder(), new SecondOrder(0.9, 3e-4, 0.01, FD),
            new Amended(0.3, 0.01, 0.01, FD), new Amended(0, 0.01, 0.01, FD)};
        for (AlphaGradientEstimator est : estimators) {
            oracle.resetCalls();
            est.estimate(oracle, p);
            assertEquals(est.passes(), oracle.totalCalls(), est.name());
        }
        oracle.resetCalls();
        new Amended(0.3, 0.01, 0.01, FD).estimate(oracle, p);
        assertEquals(1, oracle.calls(Split.VAL, Wanted.BOTH));
        assertEquals(2, oracle.calls(Split.TRAIN, Wanted.WEIGHTS));
        assertEquals(2, oracle.calls(Split.TRAIN, Wanted.ALPHA));
        oracle.resetCalls();
        new SecondOrder(0.9, 3e-4, 0.01, FD).estimate(oracle, p);
        assertEquals(1, oracle.calls(Split.TRAIN, Wanted.WEIGHTS));
        assertEquals(1, oracle.calls(Split.VAL, Wanted.BOTH));
        assertEquals(2, oracle.calls(Split.TRAIN, Wanted.ALPHA));
    }

    @Test
    void vanishingValWeightGradientGivesFirstOrder() {
        // degenerate problem: Q = 0, D = 0, e = 0 ⇒ v = ∇_w L_val ≡ 0 exactly
        double[][] zeroQ = new double[N][N];
        double[][] zeroD = new double[A][N];
        QuadraticBilevelOracle flat = new QuadraticBilevelOracle(oracle.h, oracle.b, oracle.c, zeroQ, zeroD,
                new double[N], oracle.f);
        INDArray first = new FirstOrder().estimate(flat, point(null, 0.025)).gradient();
        INDArray amended = new Amended(0.3, 0.01, 0.01, FD).estimate(flat, point(null, 0.025)).gradient();
        INDArray second = new SecondOrder(0.9, 3e-4, 0.01, FD).estimate(flat, point(null, 0.025)).gradient();
        assertArrayEquals(bits(first), bits(amended));
        assertArrayEquals(bits(first), bits(second));
        assertFalse(first.isNaN().any());

        // w solving Q·w = −(Dᵀα + e): v vanishes up to rounding (no exact zero, tiny norm)
        double[] root = QuadraticBilevelOracle.solve(oracle.q,
                scale(add(QuadraticBilevelOracle.mulT(oracle.d, alpha), oracle.e), -1));
        assertTrue(norm(oracle.valWeightGrad(root, alpha)) < 1e-9);
        SearchPoint p = new SearchPoint(nd(root), nd(alpha), null, 0.025);
        INDArray g1 = new FirstOrder().estimate(oracle, p).gradient();
        AlphaGradient g = new Amended(0.3, 0.01, 0.01, FD).estimate(oracle, p);
        assertFalse(g.gradient().isNaN().any());
        assertFalse(g.gradient().isInfinite().any());
        assertArrayEquals(g1.toDoubleVector(), g.gradient().toDoubleVector(), 1e-6 * norm(g1.toDoubleVector()));
    }

    /**
     * Spec §2: with ∇²_αw L_train = B = I the amended term H·v and the true term H⁻¹·v satisfy
     * ⟨H·v, H⁻¹·v⟩ = ‖v‖² &gt; 0 for every SPD H (this does NOT hold for general B).
     */
    @Test
    void amendedTermHasPositiveInnerProductWithTrueTermWhenBIsIdentity() {
        Random r = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            int n = 3 + r.nextInt(6);
            double[][] h = QuadraticBilevelOracle.spd(r, n);
            if (trial % 2 == 1) {
                // worse conditioning: scale the Gaussian factor up
                h = QuadraticBilevelOracle.gramian(scaleRows(QuadraticBilevelOracle.gaussian(r, n, n), 10));
                for (int i = 0; i < n; i++) {
                    h[i][i] += 1e-2;
                }
            }
            QuadraticBilevelOracle toy = new QuadraticBilevelOracle(h, QuadraticBilevelOracle.identity(n),
                    QuadraticBilevelOracle.gaussian(r, n), QuadraticBilevelOracle.spd(r, n),
                    QuadraticBilevelOracle.gaussian(r, n, n), QuadraticBilevelOracle.gaussian(r, n),
                    QuadraticBilevelOracle.gaussian(r, n));
            double[] wt = QuadraticBilevelOracle.gaussian(r, n);
            double[] at = QuadraticBilevelOracle.gaussian(r, n);
            AlphaGradient g = new Amended(0.1, 0.01, 0.01, FD).estimate(toy, new SearchPoint(nd(wt), nd(at), null, 0.025));
            double[] v = toy.valWeightGrad(wt, at);
            double[] amendedTerm = g.terms().get("z").toDoubleVector();
            double[] trueTerm = QuadraticBilevelOracle.solve(h, v);
            double inner = dot(amendedTerm, trueTerm);
            double vv = dot(v, v);
            assertTrue(inner > 0, "trial " + trial + ": inner product " + inner);
            assertEquals(vv, inner, 1e-6 * vv, "trial " + trial);
        }
    }

    @Test
    void exactProductsAmendedIsTheClosedFormToRounding() {
        double eta = 0.3;
        AlphaGradient g = new Amended(eta, 0.01, 0.01, Products.EXACT).estimate(oracle, point(null, 0.025));
        double[] bhv = mul(oracle.b, mul(oracle.h, oracle.valWeightGrad(w, alpha)));
        double[] expected = add(oracle.valAlphaGrad(w, alpha), scale(bhv, -eta));
        double rel = norm(add(g.gradient().toDoubleVector(), scale(expected, -1))) / norm(expected);
        assertTrue(rel <= 1e-12, "exact amended relative error " + rel);
        assertEquals(norm(scale(bhv, eta)) / norm(oracle.valAlphaGrad(w, alpha)), g.diagnostics().get("correction_ratio"),
                1e-12, "correction ratio ‖η·z‖/‖g1‖");
        assertTrue(Math.abs(g.diagnostics().get("cos_g_g1")) <= 1, "cosine");
    }

    @Test
    void exactProductsSecondOrderIsTheClosedForm() {
        double xi = 0.025;
        AlphaGradient g = new SecondOrder(0.9, 3e-4, 0.01, Products.EXACT).estimate(oracle, point(null, xi));
        double[] unrolled = add(w, scale(add(oracle.trainWeightGrad(w, alpha), scale(w, 3e-4)), -xi));
        double[] v = oracle.valWeightGrad(unrolled, alpha);
        double[] expected = add(oracle.valAlphaGrad(unrolled, alpha), scale(mul(oracle.b, v), -xi));
        double rel = norm(add(g.gradient().toDoubleVector(), scale(expected, -1))) / norm(expected);
        assertTrue(rel <= 1e-12, "exact second-order relative error " + rel);
    }

    /** g1 − B·H⁻¹·v, the true hypergradient of the toy. */
    private double[] trueHypergradient() {
        double[] v = oracle.valWeightGrad(w, alpha);
        return add(oracle.valAlphaGrad(w, alpha), scale(mul(oracle.b, QuadraticBilevelOracle.solve(oracle.h, v)), -1));
    }

    @Test
    void implicitNeumannConvergesToTheTrueHypergradientAsKGrows() {
        double lambdaMax = QuadraticBilevelOracle.largestEigenvalue(oracle.h);
        double gamma = 1 / lambdaMax; // inside (0, 2/λ_max): the series converges
        double[] truth = trueHypergradient();
        double previous = Double.POSITIVE_INFINITY;
        for (int k : new int[] {1, 4, 16, 64, 256, 1024}) {
            oracle.resetCalls();
            Implicit est = new Implicit(Implicit.Method.NEUMANN, k, gamma, 0, Products.EXACT, 0.01, 0.01);
            double[] g = est.estimate(oracle, point(null, 0.025)).gradient().toDoubleVector();
            assertEquals(est.passes(), oracle.totalCalls(), "passes of K = " + k);
            double err = norm(add(g, scale(truth, -1))) / norm(truth);
            assertTrue(err <= previous + 1e-12, "K = " + k + ": error " + err + " grew from " + previous);
            previous = err;
        }
        assertTrue(previous < 1e-6, "K = 1024 still " + previous + " off the true hypergradient");
    }

    @Test
    void implicitConjugateGradientMatchesTheClosedForm() {
        // n = 6: CG is exact in 6 steps up to rounding; the damped system has its own closed form
        AlphaGradient g = new Implicit(Implicit.Method.CG, N, 1, 0, Products.EXACT, 0.01, 0.01)
                .estimate(oracle, point(null, 0.025));
        double[] truth = trueHypergradient();
        double err = norm(add(g.gradient().toDoubleVector(), scale(truth, -1))) / norm(truth);
        assertTrue(err <= 1e-8, "CG with K = n: relative error " + err);
        assertTrue(g.diagnostics().get("cg_residual") <= 1e-8, "residual " + g.diagnostics().get("cg_residual"));

        double lambda = 0.5;
        double[][] damped = new double[N][];
        for (int i = 0; i < N; i++) {
            damped[i] = oracle.h[i].clone();
            damped[i][i] += lambda;
        }
        double[] v = oracle.valWeightGrad(w, alpha);
        double[] expected = add(oracle.valAlphaGrad(w, alpha), scale(mul(oracle.b, QuadraticBilevelOracle.solve(damped, v)), -1));
        double[] got = new Implicit(Implicit.Method.CG, N, 1, lambda, Products.EXACT, 0.01, 0.01)
                .estimate(oracle, point(null, 0.025)).gradient().toDoubleVector();
        assertTrue(norm(add(got, scale(expected, -1))) / norm(expected) <= 1e-8, "damped CG");
    }

    @Test
    void conjugateGradientStopsOnNegativeCurvature() {
        double[][] indefinite = {{1, 0}, {0, -1}};
        ConjugateGradient.Solution s = ConjugateGradient.solve(d -> nd(mul(indefinite, d.toDoubleVector())),
                nd(new double[] {0, 1}), 0, 10, 0);
        assertTrue(s.negativeCurvature());
        assertEquals(1, s.products());
        assertArrayEquals(new double[] {0, 0}, s.p().toDoubleVector(), 0.0);
    }

    @Test
    void exactProductsUseOnePassPerProduct() {
        SearchPoint p = point(QuadraticBilevelOracle.gaussian(rnd, N), 0.025);
        AlphaGradientEstimator[] estimators = {new Amended(0.3, 0.01, 0.01, Products.EXACT),
            new SecondOrder(0.9, 3e-4, 0.01, Products.EXACT),
            new Implicit(Implicit.Method.NEUMANN, 3, 0.01, 0, Products.EXACT, 0.01, 0.01),
            new Implicit(Implicit.Method.NEUMANN, 3, 0.01, 0, FD, 0.01, 0.01)};
        int[] expected = {3, 3, 5, 9};
        for (int i = 0; i < estimators.length; i++) {
            oracle.resetCalls();
            estimators[i].estimate(oracle, p);
            assertEquals(expected[i], estimators[i].passes(), estimators[i].name());
            assertEquals(expected[i], oracle.totalCalls(), estimators[i].name() + " oracle calls");
        }
        oracle.resetCalls();
        new Amended(0.3, 0.01, 0.01, Products.EXACT).estimate(oracle, p);
        assertEquals(1, oracle.productCalls(Wanted.WEIGHTS));
        assertEquals(1, oracle.productCalls(Wanted.ALPHA));
    }

    private static double[][] scaleRows(double[][] m, double s) {
        for (double[] row : m) {
            for (int j = 0; j < row.length; j++) {
                row[j] *= s;
            }
        }
        return m;
    }

    private static long[] bits(INDArray a) {
        return Arrays.stream(a.toDoubleVector()).mapToLong(Double::doubleToRawLongBits).toArray();
    }
}
