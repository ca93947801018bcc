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
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

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

    @Test
    void batchThatDoesNotDivideIntoShardsIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> SearchSetup.inProcess(config("first-order"), syntheticData(), 3));
        assertEquals("sparknas.search.batch", e.key());
        assertTrue(e.getMessage().contains("= 8") && e.getMessage().contains("3"), e.getMessage());
    }
}
