package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The exact products of the whole super-network (3 cells: a normal and two reduction cells, every
 * op, FactorizedReduce preprocessing) against float64 central differences of its gradients with a
 * step small enough to cross no kink, which the decision digest of the two perturbed passes proves.
 */
class SuperNetworkProductTest {

    static final double MAX_REL_ERROR = 1e-6;
    /** ‖d‖ = 1 over ~10⁴ weights: each weight moves by ~1e-8, far inside the nearest kink. */
    static final double EPS = 1e-6;

    record Fixture(SuperNetwork net, INDArray w, INDArray alpha, double[] x, int[] y) {
    }

    static Fixture fixture(AlphaSharing sharing) {
        SearchSpace space = SearchSpace.darts(3, 4, 2, 8, 8, 5, sharing);
        SuperNetwork net = new SuperNetwork(space, 2);
        SplittableRandom rng = new SplittableRandom(3);
        double[] x = new double[4 * 2 * 8 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        return new Fixture(net, net.initialWeights(11), net.initialAlpha(12).mul(300), x, new int[] {0, 3, 1, 4});
    }

    static INDArray unitDirection(long length, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] d = new double[(int) length];
        for (int i = 0; i < d.length; i++) {
            d[i] = rng.nextGaussian();
        }
        INDArray v = Nd4j.createFromArray(d);
        return v.div(Math.sqrt(OpGradientTest.sumProduct(d, d)));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AlphaSharing.class)
    void productsEqualCentralDifferencesThatCrossNoKink(AlphaSharing sharing) {
        Fixture f = fixture(sharing);
        try (SuperNetwork net = f.net()) {
            INDArray d = unitDirection(f.w().length(), 5);
            INDArray plusW = f.w().add(d.mul(EPS));
            INDArray minusW = f.w().sub(d.mul(EPS));
            long at = net.decisionDigest(f.w(), f.alpha(), f.x(), f.y());
            assertEquals(at, net.decisionDigest(plusW, f.alpha(), f.x(), f.y()), "a decision flipped at ω + εd");
            assertEquals(at, net.decisionDigest(minusW, f.alpha(), f.x(), f.y()), "a decision flipped at ω − εd");
            assertTrue(at != net.decisionDigest(f.w().mul(-1), f.alpha(), f.x(), f.y()),
                    "the digest must see decisions change when ω does");

            GradientSums plus = net.gradients(plusW, f.alpha(), f.x(), f.y(), Wanted.BOTH);
            GradientSums minus = net.gradients(minusW, f.alpha(), f.x(), f.y(), Wanted.BOTH);
            GradientSums exact = net.products(f.w(), f.alpha(), d, f.x(), f.y(), Wanted.BOTH);
            double[] hvFd = plus.weightGrad().sub(minus.weightGrad()).div(2 * EPS).toDoubleVector();
            double[] mixedFd = plus.alphaGrad().sub(minus.alphaGrad()).div(2 * EPS).toDoubleVector();
            double hvErr = OpProductTest.relativeError(exact.weightGrad().toDoubleVector(), hvFd);
            double mixedErr = OpProductTest.relativeError(exact.alphaGrad().toDoubleVector(), mixedFd);
            assertTrue(hvErr <= MAX_REL_ERROR, "H·d relative error " + hvErr);
            assertTrue(mixedErr <= MAX_REL_ERROR, "∇²αω·d relative error " + mixedErr);
            assertTrue(OpGradientTest.norm(hvFd) > 1e-3 && OpGradientTest.norm(mixedFd) > 1e-6, "products must not vanish");

            // loss and counts are those at (ω, α); one pass for both products equals one pass for each
            GradientSums g = net.gradients(f.w(), f.alpha(), f.x(), f.y(), Wanted.NONE);
            assertEquals(g.lossSum(), exact.lossSum());
            assertEquals(4, exact.count());
            assertArrayEquals(exact.weightGrad().toDoubleVector(),
                    net.products(f.w(), f.alpha(), d, f.x(), f.y(), Wanted.WEIGHTS).weightGrad().toDoubleVector());
            assertArrayEquals(exact.alphaGrad().toDoubleVector(),
                    net.products(f.w(), f.alpha(), d, f.x(), f.y(), Wanted.ALPHA).alphaGrad().toDoubleVector());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AlphaSharing.class)
    void hessianIsSymmetric(AlphaSharing sharing) {
        Fixture f = fixture(sharing);
        try (SuperNetwork net = f.net()) {
            INDArray u = unitDirection(f.w().length(), 6);
            INDArray v = unitDirection(f.w().length(), 7);
            double uHv = OpGradientTest.sumProduct(u.toDoubleVector(),
                    net.products(f.w(), f.alpha(), v, f.x(), f.y(), Wanted.WEIGHTS).weightGrad().toDoubleVector());
            double vHu = OpGradientTest.sumProduct(v.toDoubleVector(),
                    net.products(f.w(), f.alpha(), u, f.x(), f.y(), Wanted.WEIGHTS).weightGrad().toDoubleVector());
            assertTrue(Math.abs(uHv) > 1e-6, "uᵀHv must not vanish: " + uHv);
            assertEquals(uHv, vHu, 1e-11 * (Math.abs(uHv) + Math.abs(vHu)), "uᵀ(Hv) vs vᵀ(Hu)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"float64", "float32"})
    void productsAreBitIdenticalForOneAndThreeThreads(String precision) {
        SearchSpace space = SearchSpace.darts(3, 4, 2, 8, 8, 5, AlphaSharing.PER_TYPE);
        Fixture f = fixture(AlphaSharing.PER_TYPE);
        f.net().close();
        GradientSums reference = null;
        for (int threads : new int[] {1, 3}) {
            try (NetworkKernel net = NetworkKernel.create(space, threads, precision)) {
                INDArray d = unitDirection(f.w().length(), 8);
                for (int call = 0; call < 2; call++) {
                    GradientSums g = net.products(f.w(), f.alpha(), d, f.x(), f.y(), Wanted.BOTH);
                    if (reference == null) {
                        reference = g;
                        continue;
                    }
                    assertArrayEquals(reference.weightGrad().toDoubleVector(), g.weightGrad().toDoubleVector(),
                            "H·d, " + threads + " threads, call " + call);
                    assertArrayEquals(reference.alphaGrad().toDoubleVector(), g.alphaGrad().toDoubleVector(),
                            "∇²αω·d, " + threads + " threads, call " + call);
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void float32ProductsFollowFloat64() {
        Fixture f = fixture(AlphaSharing.PER_TYPE);
        try (SuperNetwork net64 = f.net();
             NetworkKernel net32 = NetworkKernel.create(net64.space(), 2, "float32")) {
            INDArray d = unitDirection(f.w().length(), 9);
            GradientSums a = net64.products(f.w(), f.alpha(), d, f.x(), f.y(), Wanted.BOTH);
            GradientSums b = net32.products(f.w(), f.alpha(), d, f.x(), f.y(), Wanted.BOTH);
            double hv = OpProductTest.relativeError(b.weightGrad().toDoubleVector(), a.weightGrad().toDoubleVector());
            double mixed = OpProductTest.relativeError(b.alphaGrad().toDoubleVector(), a.alphaGrad().toDoubleVector());
            assertTrue(hv < 1e-3, "float32 H·d relative to float64: " + hv);
            assertTrue(mixed < 1e-3, "float32 mixed product relative to float64: " + mixed);
        }
    }
}
