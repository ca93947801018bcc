package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recomputing each node's operations in the backward pass (Tape#recomputed) changes no bit of any
 * result, in either precision and with a kernel team, and the passes that recompute hold less: the
 * pool ends with fewer elements. Released arrays are NaN-poisoned in every test JVM, so a rerun that
 * read a discarded activation would show as NaN here.
 */
class RecomputeTest {

    private record Run(GradientSums grads, GradientSums alphaOnly, GradientSums hv, GradientSums mixed,
                       GradientSums both, long pooled) {
    }

    private static Run run(String precision, Recompute recompute, int threads) {
        SearchSpace space = SearchSpace.darts(3, 4, 2, 12, 12, 5, AlphaSharing.PER_TYPE);
        double[] images = OpGradientTest.gaussian(new SplittableRandom(7), 5 * 2 * 144);
        int[] labels = {4, 0, 1, 2, 3};
        try (NetworkKernel net = NetworkKernel.create(space, threads, precision, recompute)) {
            var w = net.initialWeights(3);
            var alpha = net.initialAlpha(4).mul(300); // far from uniform: every op weighs differently
            var d = net.initialWeights(11).mul(0.5);
            GradientSums g = net.gradients(w, alpha, images, labels, Wanted.BOTH);
            GradientSums a = net.gradients(w, alpha, images, labels, Wanted.ALPHA); // recomputing, inputs given back
            GradientSums hv = net.products(w, alpha, d, images, labels, Wanted.WEIGHTS);
            GradientSums mixed = net.products(w, alpha, d, images, labels, Wanted.ALPHA);
            GradientSums both = net.products(w, alpha, d, images, labels, Wanted.BOTH);
            return new Run(g, a, hv, mixed, both, net.pooledElements());
        }
    }

    private static void assertSame(GradientSums a, GradientSums b, String what) {
        assertEquals(Double.doubleToRawLongBits(a.lossSum()), Double.doubleToRawLongBits(b.lossSum()), what + " loss");
        if (a.weightGrad() != null) {
            assertArrayEquals(a.weightGrad().toDoubleVector(), b.weightGrad().toDoubleVector(), what + " weight part");
        }
        if (a.alphaGrad() != null) {
            assertArrayEquals(a.alphaGrad().toDoubleVector(), b.alphaGrad().toDoubleVector(), what + " α part");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"float64", "float32"})
    void recomputingChangesNoBitAndHoldsLess(String precision) {
        Run kept = run(precision, Recompute.NONE, 2);
        Run all = run(precision, Recompute.ALL, 2);
        Run products = run(precision, Recompute.PRODUCTS, 1);
        for (Run r : new Run[] {all, products}) {
            assertSame(kept.grads(), r.grads(), "∇ω, ∇α");
            assertSame(kept.alphaOnly(), r.alphaOnly(), "∇α alone");
            assertSame(kept.hv(), r.hv(), "H·d");
            assertSame(kept.mixed(), r.mixed(), "∇²αω·d");
            assertSame(kept.both(), r.both(), "both products");
        }
        assertTrue(all.pooled() < 0.75 * kept.pooled(), "pooled elements: recompute " + all.pooled() + " vs kept "
                + kept.pooled());
        assertTrue(products.pooled() < kept.pooled(), "pooled elements: products " + products.pooled() + " vs kept "
                + kept.pooled());
    }

    @Test
    void configSpellingsRoundTrip() {
        for (Recompute r : Recompute.values()) {
            assertEquals(r, Recompute.of(r.key()));
        }
        assertThrows(IllegalArgumentException.class, () -> Recompute.of("cells"));
        assertTrue(Recompute.PRODUCTS.applies(true) && !Recompute.PRODUCTS.applies(false));
        assertTrue(Recompute.ALL.applies(false) && !Recompute.NONE.applies(true));
    }
}
