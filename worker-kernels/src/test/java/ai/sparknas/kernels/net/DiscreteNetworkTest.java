package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.TrainingSums;
import ai.sparknas.kernels.net.ParameterLayout.Segment;
import ai.sparknas.kernels.space.Architecture;
import ai.sparknas.kernels.space.DiscreteCell;
import ai.sparknas.kernels.space.Primitive;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The discrete network's ω gradient against float64 central differences of its own loss: per op
 * (affine BatchNorm, stride 1 and 2), and the whole network with the auxiliary head and a fixed
 * drop-path draw; the BatchNorm moments and evaluation mode against the training forward.
 */
class DiscreteNetworkTest {

    static final double MAX_REL_ERROR = 1e-5;

    /** Two nodes: node 0 reads both cell inputs (stride 2 in a reduction cell), node 1 reads node 0 and input 0. */
    static DiscreteCell cellOf(Primitive op) {
        return new DiscreteCell(List.of(op, op, op, op), List.of(0, 1, 2, 0), List.of(2, 3));
    }

    static double[] images(int n, int c, int h, int w, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = new double[n * c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        return x;
    }

    /** The worst relative error of ∇ω over a sample covering every segment. */
    static String worstGradientError(DiscreteNetwork net, double[] w, double[] analytic,
                                     ToDoubleFunction<INDArray> loss, int extra, double[] worstOut) {
        SplittableRandom rng = new SplittableRandom(5);
        List<Long> sample = new ArrayList<>();
        for (Segment s : net.weightLayout().segments()) {
            sample.add(s.offset() + rng.nextLong(s.size()));
        }
        for (int i = 0; i < extra; i++) {
            sample.add(rng.nextLong(w.length));
        }
        INDArray wv = Nd4j.createFromArray(w.clone());
        double worst = 0;
        String at = "";
        for (long i : sample) {
            double numeric = FiniteDifferences.partial(loss, wv, i);
            // below 1e-8 a difference is the central difference's rounding (~20 ulps of a loss sum near 6, over 2h)
            double err = Math.abs(analytic[(int) i] - numeric) < 1e-8 ? 0
                    : FiniteDifferences.relativeError(analytic[(int) i], numeric);
            if (err > worst) {
                worst = err;
                at = net.weightLayout().segmentAt(i).name() + " (analytic " + analytic[(int) i] + ", numeric " + numeric
                        + ")";
            }
        }
        worstOut[0] = worst;
        return at;
    }

    @ParameterizedTest
    @EnumSource(value = Primitive.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void everyOpsGradientMatchesFiniteDifferences(Primitive op) {
        Architecture a = Architecture.repeat(cellOf(op), cellOf(op), 3, 4, 2, 8, 8, 5, false);
        try (DiscreteNetwork net = new DiscreteNetwork(a, 1)) {
            double[] w = net.initialWeights(7);
            perturbAffine(net, w);
            double[] x = images(4, 2, 8, 8, 3);
            int[] y = {0, 3, 1, 4};
            TrainingSums s = net.train(w, x, y, 0, 0, 0);
            double[] worst = new double[1];
            String at = worstGradientError(net, w, s.weightGrad(),
                    v -> net.train(v.toDoubleVector(), x, y, 0, 0, 0).lossSum(), 40, worst);
            assertTrue(worst[0] <= MAX_REL_ERROR, op + ": worst ω relative error " + worst[0] + " in " + at);
            assertTrue(norm(s.weightGrad()) > 0);
        }
    }

    /** γ and β away from 1 and 0, so that the affine terms of BatchNorm's gradient are exercised. */
    static void perturbAffine(DiscreteNetwork net, double[] w) {
        SplittableRandom rng = new SplittableRandom(9);
        for (Segment s : net.weightLayout().segments()) {
            if (s.init() == ParameterLayout.Init.CONSTANT) {
                for (long i = s.offset(); i < s.offset() + s.size(); i++) {
                    w[(int) i] += 0.3 * rng.nextGaussian();
                }
            }
        }
    }

    static Architecture withAuxiliary() {
        DiscreteCell normal = new DiscreteCell(
                List.of(Primitive.SEP_CONV_3X3, Primitive.SKIP_CONNECT, Primitive.DIL_CONV_3X3, Primitive.MAX_POOL_3X3),
                List.of(0, 1, 2, 1), List.of(2, 3));
        DiscreteCell reduce = new DiscreteCell(
                List.of(Primitive.AVG_POOL_3X3, Primitive.SKIP_CONNECT, Primitive.SKIP_CONNECT, Primitive.SEP_CONV_5X5),
                List.of(0, 1, 2, 1), List.of(2, 3));
        return Architecture.repeat(normal, reduce, 3, 2, 1, 32, 32, 3, true);
    }

    @Test
    void wholeNetworkWithAuxiliaryHeadAndDropPathMatchesFiniteDifferences() {
        try (DiscreteNetwork net = new DiscreteNetwork(withAuxiliary(), 2)) {
            assertTrue(net.weightLayout().names().contains("auxiliary_head.features.5.weight"));
            assertArrayEquals(new long[] {768, 128, 2, 2}, net.weightLayout().get("auxiliary_head.features.5.weight").shape());
            double[] w = net.initialWeights(3);
            perturbAffine(net, w);
            double[] x = images(3, 1, 32, 32, 4);
            int[] y = {2, 0, 1};
            long seed = 77;
            TrainingSums s = net.train(w, x, y, 0.3, seed, 0.4);
            assertTrue(s.auxLossSum() > 0, "the auxiliary head contributes a loss");
            // the same seed draws the same drop-path masks, so the objective is a fixed smooth function of ω
            double[] worst = new double[1];
            String at = worstGradientError(net, w, s.weightGrad(), v -> {
                TrainingSums t = net.train(v.toDoubleVector(), x, y, 0.3, seed, 0.4);
                return t.lossSum() + 0.4 * t.auxLossSum();
            }, 60, worst);
            assertTrue(worst[0] <= MAX_REL_ERROR, "worst ω relative error " + worst[0] + " in " + at);
            // another seed drops other paths
            assertNotEquals(s.lossSum(), net.train(w, x, y, 0.3, seed + 1, 0.4).lossSum());
        }
    }

    @Test
    void evaluationWithTheBatchMomentsEqualsTheTrainingForward() {
        try (DiscreteNetwork net = new DiscreteNetwork(withAuxiliary(), 1)) {
            double[] w = net.initialWeights(5);
            perturbAffine(net, w);
            double[] x = images(4, 1, 32, 32, 6);
            int[] y = {2, 0, 1, 1};
            TrainingSums s = net.train(w, x, y, 0, 0, 0.4);
            // running statistics = this batch's biased statistics, from the moments the pass returned
            double[] stats = new double[s.moments().length];
            for (DiscreteKernel.BatchNormLayer bn : net.batchNorms()) {
                int mean = (int) net.statsLayout().get(bn.name() + ".running_mean").offset();
                double m = (double) y.length * bn.plane();
                for (int c = 0; c < bn.channels(); c++) {
                    double mu = s.moments()[mean + c] / m;
                    stats[mean + c] = mu;
                    stats[mean + bn.channels() + c] = s.moments()[mean + bn.channels() + c] / m - mu * mu;
                }
            }
            GradientSums e = net.evaluate(w, stats, x, y);
            assertEquals(s.lossSum(), e.lossSum(), 1e-9 * Math.abs(s.lossSum()));
            assertEquals(s.correct(), e.correct());
            // and evaluation mode is per example: one batch or its halves give the same sums
            int half = 2 * 32 * 32;
            GradientSums a = net.evaluate(w, stats, java.util.Arrays.copyOfRange(x, 0, half), new int[] {2, 0});
            GradientSums b = net.evaluate(w, stats, java.util.Arrays.copyOfRange(x, half, 2 * half), new int[] {1, 1});
            assertEquals(e.lossSum(), a.lossSum() + b.lossSum(), 1e-12 * Math.abs(e.lossSum()));
        }
    }

    @Test
    void statisticsLayoutPairsEveryBatchNormAndStartsAtPyTorchsDefaults() {
        try (DiscreteNetwork net = new DiscreteNetwork(withAuxiliary(), 1)) {
            double[] st = net.initialStats();
            for (DiscreteKernel.BatchNormLayer bn : net.batchNorms()) {
                Segment mean = net.statsLayout().get(bn.name() + ".running_mean");
                Segment var = net.statsLayout().get(bn.name() + ".running_var");
                assertEquals(mean.offset() + bn.channels(), var.offset());
                assertEquals(0, st[(int) mean.offset()]);
                assertEquals(1, st[(int) var.offset()]);
                assertArrayEquals(new long[] {bn.channels()}, net.weightLayout().get(bn.name() + ".weight").shape());
            }
            assertEquals(2 * net.batchNorms().stream().mapToInt(DiscreteKernel.BatchNormLayer::channels).sum(),
                    net.statsLayout().size());
            // the forward count leaves out the auxiliary head, which evaluation does not run
            assertTrue(net.forwardMacsPerImage() > 0);
        }
    }

    @Test
    void float32MatchesFloat64() {
        Architecture a = withAuxiliary();
        try (DiscreteKernel f64 = DiscreteKernel.create(a, 1, "float64");
             DiscreteKernel f32 = DiscreteKernel.create(a, 1, "float32")) {
            assertEquals(f64.weightLayout().names(), f32.weightLayout().names());
            double[] w = f64.initialWeights(5);
            double[] x = images(4, 1, 32, 32, 6);
            int[] y = {2, 0, 1, 1};
            TrainingSums d = f64.train(w, x, y, 0.2, 3, 0.4);
            TrainingSums f = f32.train(w, x, y, 0.2, 3, 0.4);
            assertEquals(d.lossSum(), f.lossSum(), 1e-4 * d.lossSum());
            double cos = dot(d.weightGrad(), f.weightGrad()) / (norm(d.weightGrad()) * norm(f.weightGrad()));
            assertTrue(cos > 0.9999, "cosine of the two precisions' gradients " + cos);
        }
    }

    @Test
    void badShapesAreRefusedNamingTheInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DiscreteNetwork(Architecture.repeat(cellOf(Primitive.SKIP_CONNECT), cellOf(Primitive.SKIP_CONNECT),
                        3, 4, 1, 16, 16, 10, true), 1));
        assertTrue(e.getMessage().contains("auxiliary head"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new DiscreteCell(List.of(Primitive.NONE, Primitive.SKIP_CONNECT), List.of(0, 1), List.of(2)));
        IllegalArgumentException in = assertThrows(IllegalArgumentException.class,
                () -> new DiscreteCell(List.of(Primitive.SKIP_CONNECT, Primitive.SKIP_CONNECT), List.of(0, 2), List.of(2)));
        assertTrue(in.getMessage().contains("reads state 2"), in.getMessage());
        try (DiscreteNetwork net = new DiscreteNetwork(Architecture.repeat(cellOf(Primitive.SKIP_CONNECT),
                cellOf(Primitive.SKIP_CONNECT), 3, 4, 1, 8, 8, 10, false), 1)) {
            double[] w = net.initialWeights(1);
            assertThrows(IllegalArgumentException.class, () -> net.train(w, new double[64], new int[] {10}, 0, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> net.train(w, new double[63], new int[] {1}, 0, 0, 0));
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
