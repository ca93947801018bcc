package ai.sparknas.driver.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.ImageDataset;
import ai.sparknas.driver.data.SearchData;
import ai.sparknas.kernels.grad.AlphaStep;
import ai.sparknas.kernels.grad.FirstOrderStepSums;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Reproducibility of the loop and the shard semantics of the in-process oracle, on generated data. */
class SearchLoopTest {

    /** 64 random 8×8 one-channel images with 4 classes, split 32/32. */
    static SearchData syntheticData() {
        SplittableRandom rng = new SplittableRandom(17);
        int n = 64;
        float[] pixels = new float[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 4;
            for (int j = 0; j < 64; j++) {
                pixels[i * 64 + j] = (float) (rng.nextGaussian() + 0.3 * labels[i]);
            }
        }
        return SearchData.split(new ImageDataset("synthetic", 1, 8, 8, 4, pixels, labels), 0.5);
    }

    static SearchConfig config(String estimator) {
        return SearchConfig.load(null, List.of("search.layers=3", "search.channels=4", "search.batch=8",
                "search.epochs=1", "data.classes=4", "search.estimator=" + estimator, "compute.threads=2"));
    }

    private static double[][] runSteps(String estimator, int steps) {
        SearchSetup.InProcess ip = SearchSetup.inProcess(config(estimator), syntheticData(), 1);
        SearchState state = ip.setup().initialState();
        SearchLoop loop = ip.loop(null);
        for (int s = 0; s < steps; s++) {
            loop.step(state, 0, s, 0.025);
        }
        return new double[][] {state.weights().toDoubleVector(), state.alpha().toDoubleVector(),
            state.weightOptimizer().momentumBuffer().toDoubleVector(), state.alphaOptimizer().m().toDoubleVector()};
    }

    @Test
    void sameSeedGivesBitIdenticalState() {
        for (String estimator : SearchConfig.ESTIMATORS) {
            double[][] a = runSteps(estimator, 2);
            double[][] b = runSteps(estimator, 2);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], b[i], 0.0, estimator + " state " + i);
            }
            double[] alpha0 = SearchSetup.inProcess(config(estimator), syntheticData(), 1).setup().initialState().alpha().toDoubleVector();
            assertFalse(Arrays.equals(alpha0, a[1]), "α moved");
        }
    }

    @Test
    void shardedOracleSumsTheShardsOneAfterAnother() {
        SearchData data = syntheticData();
        SearchSetup.InProcess one = SearchSetup.inProcess(config("first-order"), data, 1);
        SearchSetup.InProcess two = SearchSetup.inProcess(config("first-order"), data, 2);
        var w = one.setup().initialState().weights();
        var alpha = one.setup().initialState().alpha();
        one.oracle().beginStep(0, 1);
        two.oracle().beginStep(0, 1);
        GradientSums sharded = two.oracle().gradients(w, alpha, Split.TRAIN, Wanted.BOTH);

        GradientSums manual = null;
        for (int shard = 0; shard < 2; shard++) {
            int[] idx = two.setup().plan.indices(Split.TRAIN, 0, 1, shard);
            int start = two.setup().plan.partitionStart(shard);
            double[] images = new double[4 * 64];
            int[] labels = new int[4];
            for (int i = 0; i < 4; i++) {
                int r = start + idx[i];
                for (int j = 0; j < 64; j++) {
                    images[i * 64 + j] = data.weightData().pixels()[r * 64 + j];
                }
                labels[i] = data.weightData().labels()[r];
            }
            GradientSums part = one.setup().network.gradients(w, alpha, images, labels, Wanted.BOTH);
            manual = manual == null ? part : manual.plus(part);
        }
        assertEquals(manual.lossSum(), sharded.lossSum(), 0.0);
        assertEquals(8, sharded.count());
        assertArrayEquals(manual.weightGrad().toDoubleVector(), sharded.weightGrad().toDoubleVector(), 0.0);
        assertArrayEquals(manual.alphaGrad().toDoubleVector(), sharded.alphaGrad().toDoubleVector(), 0.0);
        // per-partition BatchNorm statistics: the shards' batches of 4 from their own halves of the records
        assertTrue(Arrays.stream(two.setup().plan.indices(Split.TRAIN, 0, 1, 1)).allMatch(i -> i < 16));
    }

    /** The in-process oracle, claiming to fuse first-order's step; {@code tamper} edits the α' it reports. */
    private static GradientOracle fusing(GradientOracle inner, java.util.function.UnaryOperator<INDArray> tamper) {
        return new GradientOracle() {
            @Override
            public void beginStep(int epoch, long step) {
                inner.beginStep(epoch, step);
            }

            @Override
            public GradientSums gradients(INDArray w, INDArray alpha, Split split, Wanted wanted) {
                return inner.gradients(w, alpha, split, wanted);
            }

            @Override
            public boolean fusesFirstOrderStep() {
                return true;
            }

            @Override
            public FirstOrderStepSums firstOrderStep(INDArray w, INDArray alpha, AlphaStep alphaStep) {
                FirstOrderStepSums s = GradientOracle.super.firstOrderStep(w, alpha, alphaStep);
                return new FirstOrderStepSums(s.val(), s.train(), tamper.apply(s.nextAlpha()));
            }
        };
    }

    /** The fused step (α step applied by the backend between the passes) ends in the same state, bit for bit. */
    @Test
    void fusedFirstOrderStepGivesTheSameState() {
        SearchSetup.InProcess ip = SearchSetup.inProcess(config("first-order"), syntheticData(), 2);
        SearchState plain = ip.setup().initialState();
        SearchState fused = ip.setup().initialState();
        SearchLoop loop = ip.loop(null);
        SearchLoop fusedLoop = ip.setup().loop(fusing(ip.oracle(), a -> a), null);
        for (int s = 0; s < 3; s++) {
            var p = loop.step(plain, 0, s, 0.025);
            var f = fusedLoop.step(fused, 0, s, 0.025);
            assertEquals(p.val().lossSum(), f.val().lossSum(), 0.0);
            assertEquals(p.train().lossSum(), f.train().lossSum(), 0.0);
            assertEquals(p.gradNorm(), f.gradNorm(), 0.0);
        }
        assertEquals(plain.digest(), fused.digest());
        assertFalse(Arrays.equals(ip.setup().initialState().alpha().toDoubleVector(), fused.alpha().toDoubleVector()));
    }

    /** A backend whose weight pass ran at another α' than the driver's Adam step is caught, not trained on. */
    @Test
    void fusedStepAtAnotherAlphaIsRefused() {
        SearchSetup.InProcess ip = SearchSetup.inProcess(config("first-order"), syntheticData(), 1);
        SearchState state = ip.setup().initialState();
        String before = state.digest();
        SearchLoop loop = ip.setup().loop(fusing(ip.oracle(), a -> {
            INDArray off = a.dup(); // one ulp in one entry
            off.putScalar(0, Math.nextUp(off.getDouble(0)));
            return off;
        }), null);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.step(state, 0, 0, 0.025));
        assertTrue(e.getMessage().contains("spark.fuse-rounds = never") && e.getMessage().contains("epoch 1 step 1"),
                e.getMessage());
        assertEquals(before, state.digest(), "the state (ω, α, the optimizers) was changed");
    }

    @Test
    void batchThatDoesNotDivideIntoShardsIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> SearchSetup.inProcess(config("first-order"), syntheticData(), 3));
        assertEquals("sparknas.search.batch", e.key());
        assertTrue(e.getMessage().contains("= 8") && e.getMessage().contains("3"), e.getMessage());
    }
}
