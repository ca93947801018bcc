package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loss and gradients do not depend on the kernel thread count: the team's loops split work into
 * disjoint writes and whole operations run as tasks whose input gradients are added in a fixed
 * order, so which thread ran what cannot change a bit. Repeated calls (recycled arrays, scratch
 * planes holding earlier values) give the same bits too.
 */
class ThreadInvarianceTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"float64", "float32"})
    void gradientsAreBitIdenticalForOneTwoAndThreeThreads(String precision) {
        SearchSpace space = SearchSpace.darts(3, 4, 2, 12, 12, 5, AlphaSharing.PER_TYPE);
        SplittableRandom rng = new SplittableRandom(3);
        double[] images = new double[5 * 2 * 144];
        for (int i = 0; i < images.length; i++) {
            images[i] = rng.nextGaussian();
        }
        int[] labels = {0, 1, 2, 3, 4};
        GradientSums reference = null;
        for (int threads : new int[] {1, 2, 3}) {
            try (NetworkKernel net = NetworkKernel.create(space, threads, precision)) {
                var w = net.initialWeights(1);
                var alpha = net.initialAlpha(2).mul(300);
                for (int call = 0; call < 2; call++) {
                    GradientSums g = net.gradients(w, alpha, images, labels, Wanted.BOTH);
                    if (reference == null) {
                        reference = g;
                        continue;
                    }
                    String where = threads + " threads, call " + call;
                    assertEquals(Double.doubleToRawLongBits(reference.lossSum()), Double.doubleToRawLongBits(g.lossSum()),
                            "loss, " + where);
                    assertArrayEquals(reference.weightGrad().toDoubleVector(), g.weightGrad().toDoubleVector(), "∇ω, " + where);
                    assertArrayEquals(reference.alphaGrad().toDoubleVector(), g.alphaGrad().toDoubleVector(), "∇α, " + where);
                }
            }
        }
    }
}
