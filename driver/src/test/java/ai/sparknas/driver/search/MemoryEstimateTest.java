package ai.sparknas.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.cli.CliRun;
import ai.sparknas.driver.cli.Main;
import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.DataLayout;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.NetworkKernel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The memory estimate is the probe's linear model of what the passes really keep, and a launch whose
 * estimate exceeds its heap is refused with exit 2 naming the knob, before the first step.
 */
class MemoryEstimateTest {

    static SearchSetup setup(String estimator) {
        SearchConfig cfg = SearchConfig.load(null, List.of("search.layers=3", "search.channels=4", "search.batch=8",
                "search.estimator=" + estimator));
        return new SearchSetup(cfg, new DataLayout("test", 1, 28, 28, 64, 32), 1, 1);
    }

    @Test
    void theLinearModelPredictsWhatAnEightImageStepKeeps() {
        SearchSetup s = setup("amended");
        try {
            MemoryEstimate at8 = MemoryEstimate.of(s, 8, 0, 1);
            try (NetworkKernel net = NetworkKernel.create(s.space, 1, "float32", s.config.compute().recompute())) {
                INDArray w = net.initialWeights(1);
                INDArray a = net.initialAlpha(1);
                double[] images = new double[8 * 28 * 28];
                int[] labels = new int[8];
                net.gradients(w, a, images, labels, Wanted.BOTH); // an amended step's passes
                net.products(w, a, w, images, labels, Wanted.WEIGHTS);
                net.products(w, a, w, images, labels, Wanted.ALPHA);
                double measured = (double) net.pooledElements() * net.elementBytes();
                assertEquals(measured, at8.activationBytes(), 0.05 * measured, "within 5 %");
            }
            MemoryEstimate at16 = MemoryEstimate.of(s, 16, 0, 1);
            assertTrue(at16.activationBytes() > 1.5 * at8.activationBytes(), "grows with the batch");
            assertEquals(2 * at8.activationBytes(), MemoryEstimate.of(s, 8, 0, 2).activationBytes(), "two kernels");
            MemoryEstimate first = MemoryEstimate.of(setup("first-order"), 8, 0, 1);
            assertTrue(first.activationBytes() < at8.activationBytes(), "no R-pass for first order");
        } finally {
            s.network.close();
        }
    }

    @Test
    void anEstimateAboveTheHeapIsAConfigErrorNamingTheKnob() {
        SearchSetup s = setup("amended");
        try {
            MemoryEstimate m = MemoryEstimate.of(s, 8, 64, 1);
            ConfigException e = assertThrows(ConfigException.class,
                    () -> m.check(m.total(), "this search", "raise SPARKNAS_HEAP"));
            assertTrue(e.getMessage().contains("raise SPARKNAS_HEAP") && e.getMessage().contains("GB"), e.getMessage());
            assertTrue(e.getMessage().contains("compute.recompute = all"),
                    "a search that does not recompute everything is told it can: " + e.getMessage());
            m.check(2 * m.total(), "this search", "raise SPARKNAS_HEAP"); // fits with the collector's headroom
        } finally {
            s.network.close();
        }
    }

    @Test
    void theBuiltInDefaultsAreRefusedBeforeTheFirstStepWhenTheyDoNotFit(@TempDir Path out) {
        // reference.conf's 8 cells x 16 channels at batch 64 need about 4.6 GB, 5.8 GB with the collector's headroom;
        // the test JVM has 4 GB (the parent pom's argLine)
        CliRun.Outcome o = CliRun.of("search", "run.output=" + out, "run.id=defaults", "data.limit=512");
        assertEquals(Main.EXIT_CONFIG, o.code(), o.err());
        assertTrue(o.err().contains("SPARKNAS_HEAP") && o.err().contains("GB of heap"), o.err());
        assertTrue(!java.nio.file.Files.exists(out.resolve("defaults/metrics.jsonl")), "no step ran");
    }
}
