package ai.sparknas.driver.bench;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.optim.SgdMomentum;
import ai.sparknas.driver.retrain.CellGenotypes;
import ai.sparknas.driver.retrain.InProcessRetrainOracle;
import ai.sparknas.driver.retrain.RetrainData;
import ai.sparknas.driver.retrain.RetrainOracle;
import ai.sparknas.driver.retrain.RetrainRun;
import ai.sparknas.driver.retrain.RetrainSetup;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times re-training steps (the step's training pass over every partition, the SGD update and the
 * running statistics) of the configured genotype: median of {@code steps} timed steps after
 * {@code warmup}, images per second, and the process's peak resident memory. With {@code synthetic > 0}
 * it trains on that many random CIFAR-10 records written to a temporary directory (32×32×3: DARTS'
 * evaluation shape) instead of the configured data.
 */
public final class RetrainBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RetrainBench() {
    }

    /** Where the steps run. */
    @FunctionalInterface
    public interface Backend {
        Instance open(SearchConfig cfg, CellGenotypes genotype, int layers, int channels) throws IOException;
    }

    /** A setup, its oracle and what to close after timing. */
    public record Instance(RetrainSetup setup, RetrainOracle oracle, String description, AutoCloseable resources) {
    }

    /** In this process, one shard, on the configured local data. */
    public static Backend inProcess() {
        return (cfg, g, layers, channels) -> {
            RetrainData data = RetrainData.load(cfg);
            RetrainSetup setup = new RetrainSetup(cfg, g, layers, channels, RetrainSetup.ImageShape.of(data.train()),
                    data.train().size(), 1, cfg.compute().effectiveThreads());
            return new Instance(setup, new InProcessRetrainOracle(setup, data), "in-process, "
                    + cfg.compute().effectiveThreads() + " threads", setup.network);
        };
    }

    public static void run(SearchConfig base, int warmup, int steps, int synthetic, Backend backend, PrintStream out)
            throws IOException {
        SearchConfig cfg = base;
        Path tmp = null;
        if (synthetic > 0) {
            tmp = Files.createTempDirectory("sparknas-bench-cifar");
            writeCifar(tmp.resolve("data_batch.bin"), synthetic, 1);
            writeCifar(tmp.resolve("test_batch.bin"), Math.max(10, cfg.retrain().evalBatch()), 2);
            cfg = cfg.withOverrides(List.of("data.format=cifar10", "data.dir=" + tmp, "data.cifar-files=[data_batch.bin]",
                    "data.cifar-test-files=[test_batch.bin]", "data.limit=0", "data.classes=10", "data.normalize=cifar10"));
        }
        String spec = cfg.retrain().genotype().isEmpty() ? "DARTS_V2" : cfg.retrain().genotype();
        CellGenotypes g = CellGenotypes.resolve(spec);
        SearchConfig source = RetrainRun.sourceConfig(cfg);
        Instance in = backend.open(cfg, g, RetrainSetup.layers(cfg, source), RetrainSetup.channels(cfg, source));
        try {
            RetrainSetup setup = in.setup();
            INDArray w = Nd4j.createFromArray(setup.network.initialWeights(setup.weightSeed));
            double[] stats = setup.network.initialStats();
            var wo = cfg.weightsOptim();
            SgdMomentum sgd = new SgdMomentum(wo.momentum(), wo.weightDecay(), wo.gradClip());
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < warmup + steps; i++) {
                long t0 = System.nanoTime();
                RetrainRun.step(setup, in.oracle(), w, stats, sgd, 0, i % setup.stepsPerEpoch, i);
                if (i >= warmup) {
                    times.add((System.nanoTime() - t0) / 1e9);
                }
            }
            double median = Bench.median(times);
            var a = setup.architecture;
            out.println(JSON.createObjectNode().put("bench", "retrain").put("backend", in.description())
                    .put("genotype", spec.length() > 40 ? g.text().substring(0, 40) + "…" : spec)
                    .put("layers", a.layers()).put("channels", a.channels()).put("auxiliary", a.auxiliary())
                    .put("input", a.inChannels() + "x" + a.height() + "x" + a.width())
                    .put("batch", cfg.retrain().batch()).put("partitions", setup.plan.partitions())
                    .put("precision", cfg.compute().precision()).put("weights", setup.network.weightLayout().size())
                    .put("forward_macs_per_image", setup.network.forwardMacsPerImage())
                    .put("warmup", warmup).put("steps", steps).put("median_step_s", median)
                    .put("images_per_s", cfg.retrain().batch() / median)
                    .put("peak_rss_mb", Bench.peakRssMb()).toString());
        } finally {
            try {
                in.oracle().close();
                in.resources().close();
            } catch (Exception e) {
                throw new IOException("closing the bench's backend failed: " + e.getMessage(), e);
            }
            if (tmp != null) {
                for (String f : List.of("data_batch.bin", "test_batch.bin")) {
                    Files.deleteIfExists(tmp.resolve(f));
                }
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** {@code n} random CIFAR-10 binary records: a label byte and 3072 pixel bytes each. */
    static void writeCifar(Path file, int n, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            byte[] pixels = new byte[3072];
            for (int i = 0; i < n; i++) {
                out.writeByte(rng.nextInt(10));
                for (int j = 0; j < pixels.length; j++) {
                    pixels[j] = (byte) rng.nextInt(256);
                }
                out.write(pixels);
            }
        }
    }
}
