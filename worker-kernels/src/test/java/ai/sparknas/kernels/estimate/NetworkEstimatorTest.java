package ai.sparknas.kernels.estimate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.SuperNetwork;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The estimators on the tiny super-network agree with the same formulas computed the slow way:
 * explicit perturbed copies of the flat weights as plain arrays, one network call each. (A check of the
 * mixed term by differences over α is not possible here: ∇ω of a ReLU/max-pool network jumps where a
 * unit changes sign, so differences of gradients only agree at the estimator's own radius.)
 */
class NetworkEstimatorTest {

    static SuperNetwork net;
    static double[] trainX;
    static int[] trainY;
    static double[] valX;
    static int[] valY;
    static double[] w;
    static double[] alpha;
    static GradientOracle oracle;

    @BeforeAll
    static void setUp() {
        net = new SuperNetwork(SearchSpace.darts(3, 4, 1, 8, 8, 4, AlphaSharing.PER_TYPE), 2);
        SplittableRandom rng = new SplittableRandom(9);
        trainX = gaussian(rng, 4 * 64);
        valX = gaussian(rng, 4 * 64);
        trainY = new int[] {0, 1, 2, 3};
        valY = new int[] {3, 1, 0, 2};
        w = net.initialWeights(1).toDoubleVector();
        alpha = net.initialAlpha(2).mul(200).toDoubleVector();
        oracle = new GradientOracle() {
            @Override
            public void beginStep(int epoch, long step) {
            }

            @Override
            public GradientSums gradients(INDArray weights, INDArray a, Split split, Wanted wanted) {
                return split == Split.TRAIN ? net.gradients(weights, a, trainX, trainY, wanted)
                        : net.gradients(weights, a, valX, valY, wanted);
            }
        };
    }

    private static double[] gaussian(SplittableRandom rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    private static GradientSums at(double[] weights, double[] a, Split split, Wanted wanted) {
        return oracle.gradients(Nd4j.createFromArray(weights), Nd4j.createFromArray(a), split, wanted);
    }

    /** weights + r·d as a fresh array. */
    private static double[] shifted(double[] weights, double[] d, double r) {
        double[] out = weights.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += r * d[i];
        }
        return out;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static double[] centralDifference(double[] d, Split split, boolean weightsGrad) {
        double r = 0.01 / norm(d);
        GradientSums plus = at(shifted(w, d, r), alpha, split, weightsGrad ? Wanted.WEIGHTS : Wanted.ALPHA);
        GradientSums minus = at(shifted(w, d, -r), alpha, split, weightsGrad ? Wanted.WEIGHTS : Wanted.ALPHA);
        double[] p = (weightsGrad ? plus.weightGrad() : plus.alphaGrad()).toDoubleVector();
        double[] m = (weightsGrad ? minus.weightGrad() : minus.alphaGrad()).toDoubleVector();
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (p[i] - m[i]) / (2 * r * plus.count());
        }
        return out;
    }

    private static void assertClose(double[] expected, double[] actual, double tol, String what) {
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (expected[i] - actual[i]) * (expected[i] - actual[i]);
        }
        double rel = Math.sqrt(diff) / Math.max(norm(expected), 1e-300);
        assertTrue(rel <= tol, what + " relative difference " + rel);
    }

    @Test
    void amendedMatchesExplicitPerturbations() {
        double eta = 0.1;
        AlphaGradient g = new Amended(eta, 0.01, 0.01, Products.FINITE_DIFFERENCE).estimate(oracle,
                new SearchPoint(Nd4j.createFromArray(w), Nd4j.createFromArray(alpha), null, 0.025));
        GradientSums val = at(w, alpha, Split.VAL, Wanted.BOTH);
        double[] g1 = val.meanAlphaGrad().toDoubleVector();
        double[] v = val.meanWeightGrad().toDoubleVector();
        double[] u = centralDifference(v, Split.TRAIN, true);
        double[] z = centralDifference(u, Split.TRAIN, false);
        double[] expected = new double[g1.length];
        for (int i = 0; i < g1.length; i++) {
            expected[i] = g1[i] - eta * z[i];
        }
        assertClose(u, g.terms().get("Hv").toDoubleVector(), 1e-9, "H·v");
        assertClose(z, g.terms().get("z").toDoubleVector(), 1e-9, "mixed term");
        assertClose(expected, g.gradient().toDoubleVector(), 1e-9, "amended gradient");
        assertTrue(norm(z) > 0, "the mixed term must not vanish on this network");
    }

    @Test
    void secondOrderMatchesExplicitPerturbations() {
        double xi = 0.025;
        double mu = 0.9;
        double lambda = 3e-4;
        double[] momentum = new double[w.length];
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < momentum.length; i++) {
            momentum[i] = 0.01 * rng.nextGaussian();
        }
        AlphaGradient g = new SecondOrder(mu, lambda, 0.01, Products.FINITE_DIFFERENCE).estimate(oracle, new SearchPoint(Nd4j.createFromArray(w),
                Nd4j.createFromArray(alpha), Nd4j.createFromArray(momentum), xi));
        double[] d = at(w, alpha, Split.TRAIN, Wanted.WEIGHTS).meanWeightGrad().toDoubleVector();
        double[] unrolled = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            unrolled[i] = w[i] - xi * (mu * momentum[i] + d[i] + lambda * w[i]);
        }
        GradientSums val = at(unrolled, alpha, Split.VAL, Wanted.BOTH);
        double[] dAlpha = val.meanAlphaGrad().toDoubleVector();
        double[] v = val.meanWeightGrad().toDoubleVector();
        double[] mixed = centralDifference(v, Split.TRAIN, false);
        double[] expected = new double[dAlpha.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = dAlpha[i] - xi * mixed[i];
        }
        assertClose(unrolled, g.terms().get("unrolled").toDoubleVector(), 1e-12, "unrolled weights");
        assertClose(expected, g.gradient().toDoubleVector(), 1e-9, "second-order gradient");
    }

    @Test
    void firstOrderIsTheValAlphaGradientAndEtaZeroEqualsIt() {
        SearchPoint p = new SearchPoint(Nd4j.createFromArray(w), Nd4j.createFromArray(alpha), null, 0.025);
        double[] first = new FirstOrder().estimate(oracle, p).gradient().toDoubleVector();
        double[] expected = at(w, alpha, Split.VAL, Wanted.ALPHA).meanAlphaGrad().toDoubleVector();
        assertArrayEquals(expected, first, 0.0);
        assertArrayEquals(first, new Amended(0, 0.01, 0.01, Products.FINITE_DIFFERENCE).estimate(oracle, p).gradient().toDoubleVector(), 0.0);
    }
}
