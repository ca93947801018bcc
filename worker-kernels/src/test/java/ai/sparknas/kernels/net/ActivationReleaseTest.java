package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.lang.reflect.Field;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Releasing each op's tensors once its backward step has run (Tape#onBackward) changes no bit of any
 * result (gradients, both R-pass products) and lowers what a pass holds at its peak: the pool ends a
 * pass with fewer arrays than when every activation and gradient is kept to the end. With
 * {@code sparknas.test.poison-released} (set for every test JVM) released arrays are NaN until reused.
 */
class ActivationReleaseTest {

    private static void releaseEarly(String precision, boolean on) throws Exception {
        Field f = Class.forName(precision.equals("float32") ? "ai.sparknas.kernels.net32.Tape"
                : "ai.sparknas.kernels.net.Tape").getDeclaredField("releaseEarly");
        f.setAccessible(true);
        f.setBoolean(null, on);
    }

    private record Run(GradientSums grads, GradientSums alphaOnly, GradientSums hv, GradientSums mixed, long pooled) {
    }

    private static final SearchSpace SPACE = SearchSpace.darts(3, 4, 2, 12, 12, 5, AlphaSharing.PER_TYPE);

    private static double[] images() {
        return OpGradientTest.gaussian(new SplittableRandom(5), 5 * 2 * 144);
    }

    private static Run run(String precision, boolean early) throws Exception {
        releaseEarly(precision, early);
        try {
            double[] images = images();
            int[] labels = {0, 1, 2, 3, 4};
            try (NetworkKernel net = NetworkKernel.create(SPACE, 2, precision)) {
                var w = net.initialWeights(1);
                var alpha = net.initialAlpha(2).mul(300);
                var d = net.initialWeights(9).mul(0.5);
                GradientSums g = net.gradients(w, alpha, images, labels, Wanted.BOTH);
                GradientSums a = net.gradients(w, alpha, images, labels, Wanted.ALPHA);
                GradientSums hv = net.products(w, alpha, d, images, labels, Wanted.WEIGHTS);
                GradientSums mixed = net.products(w, alpha, d, images, labels, Wanted.ALPHA);
                return new Run(g, a, hv, mixed, net.pooledElements());
            }
        } finally {
            releaseEarly(precision, !Boolean.getBoolean("sparknas.kernels.keep-activations"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"float64", "float32"})
    void releasingEarlyChangesNoBitAndHoldsLess(String precision) throws Exception {
        Run kept = run(precision, false);
        Run early = run(precision, true);
        assertEquals(Double.doubleToRawLongBits(kept.grads().lossSum()), Double.doubleToRawLongBits(early.grads().lossSum()));
        assertArrayEquals(kept.grads().weightGrad().toDoubleVector(), early.grads().weightGrad().toDoubleVector(), "∇ω");
        assertArrayEquals(kept.grads().alphaGrad().toDoubleVector(), early.grads().alphaGrad().toDoubleVector(), "∇α");
        assertArrayEquals(kept.alphaOnly().alphaGrad().toDoubleVector(), early.alphaOnly().alphaGrad().toDoubleVector(),
                "∇α alone");
        assertArrayEquals(kept.grads().alphaGrad().toDoubleVector(), early.alphaOnly().alphaGrad().toDoubleVector(),
                "∇α alone as in a pass with ∇ω");
        assertArrayEquals(kept.hv().weightGrad().toDoubleVector(), early.hv().weightGrad().toDoubleVector(), "H·d");
        assertArrayEquals(kept.mixed().alphaGrad().toDoubleVector(), early.mixed().alphaGrad().toDoubleVector(),
                "∇²αω·d");
        assertTrue(early.pooled() < 0.75 * kept.pooled(), "pooled elements: early " + early.pooled() + " vs kept "
                + kept.pooled());
    }

    /** A fresh network's pool after one pass of the given kind: what that pass holds at its peak. */
    private static long pooledAfter(Wanted wanted, boolean product) {
        try (NetworkKernel net = NetworkKernel.create(SPACE, 1, "float64")) {
            var w = net.initialWeights(1);
            var alpha = net.initialAlpha(2);
            if (product) {
                net.products(w, alpha, net.initialWeights(9), images(), new int[] {0, 1, 2, 3, 4}, wanted);
            } else {
                net.gradients(w, alpha, images(), new int[] {0, 1, 2, 3, 4}, wanted);
            }
            return net.pooledElements();
        }
    }

    @Test
    void passesWithoutWeightGradientsGiveBackTheConvolutionsInputs() {
        long both = pooledAfter(Wanted.BOTH, false);
        long alphaOnly = pooledAfter(Wanted.ALPHA, false);
        long hv = pooledAfter(Wanted.WEIGHTS, true);
        long mixedOnly = pooledAfter(Wanted.ALPHA, true);
        assertTrue(alphaOnly < 0.75 * both, "∇α alone " + alphaOnly + " vs with ∇ω " + both);
        assertTrue(mixedOnly < 0.75 * hv, "∇²αω·d alone " + mixedOnly + " vs H·d " + hv);
    }
}
