package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.ParameterLayout.Segment;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** ∇α (all entries) and ∇ω (a sample covering every segment) against float64 finite differences. */
class SuperNetworkGradientTest {

    static final double MAX_REL_ERROR = 1e-5;

    static SuperNetwork net;
    static INDArray w;
    static INDArray alpha;
    static double[] x;
    static int[] y;
    static GradientSums analytic;

    @BeforeAll
    static void tinyNetwork() {
        // 3 cells: cell 1 and 2 reduce, so both cell types and FactorizedReduce preprocessing appear
        SearchSpace space = SearchSpace.darts(3, 4, 2, 8, 8, 5, AlphaSharing.PER_TYPE);
        net = new SuperNetwork(space, 2);
        w = net.initialWeights(11);
        // a larger α than the 1e-3 init so that softmax weights differ between ops
        alpha = net.initialAlpha(12).mul(300);
        SplittableRandom rng = new SplittableRandom(3);
        x = new double[4 * 2 * 8 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        y = new int[] {0, 3, 1, 4};
        analytic = net.gradients(w, alpha, x, y, Wanted.BOTH);
    }

    private static double loss(INDArray weights, INDArray a) {
        return net.gradients(weights, a, x, y, Wanted.NONE).lossSum();
    }

    @Test
    void alphaGradientMatchesFiniteDifferencesEverywhere() {
        double worst = 0;
        for (long i = 0; i < alpha.length(); i++) {
            double numeric = FiniteDifferences.partial(a -> loss(w, a), alpha, i);
            worst = Math.max(worst, FiniteDifferences.relativeError(analytic.alphaGrad().getDouble(i), numeric));
        }
        assertTrue(worst <= MAX_REL_ERROR, "worst α relative error " + worst);
        assertTrue(analytic.alphaGrad().norm2Number().doubleValue() > 0, "α gradient must not vanish");
    }

    @Test
    void weightGradientMatchesFiniteDifferencesOnEverySegment() {
        SplittableRandom rng = new SplittableRandom(5);
        List<Long> sample = new ArrayList<>();
        for (Segment s : net.weightLayout().segments()) {
            sample.add(s.offset() + rng.nextLong(s.size()));
        }
        while (sample.size() < 200 + net.weightLayout().segments().size() / 4) {
            sample.add(rng.nextLong(w.length()));
        }
        double worst = 0;
        String worstAt = "";
        for (long i : sample) {
            double numeric = FiniteDifferences.partial(v -> loss(v, alpha), w, i);
            double err = FiniteDifferences.relativeError(analytic.weightGrad().getDouble(i), numeric);
            if (err > worst) {
                worst = err;
                worstAt = net.weightLayout().segmentAt(i).name();
            }
        }
        assertTrue(sample.size() >= 200);
        assertTrue(worst <= MAX_REL_ERROR, "worst ω relative error " + worst + " in " + worstAt);
    }

    @Test
    void lossAndCountsAreSums() {
        assertEquals(4, analytic.count());
        assertTrue(analytic.correct() >= 0 && analytic.correct() <= 4);
        // a sum over 4 examples of cross-entropies near ln(5)
        assertEquals(4 * Math.log(5), analytic.lossSum(), 2.0);
    }
}
