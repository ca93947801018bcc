package ai.sparknas.driver.retrain;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.DataFiles;
import ai.sparknas.driver.genotype.GenotypeFormat;
import ai.sparknas.driver.optim.SgdMomentum;
import ai.sparknas.driver.run.Checkpoint;
import ai.sparknas.driver.run.Checkpoints;
import ai.sparknas.driver.run.RunConflictException;
import ai.sparknas.driver.run.RunDirectory;
import ai.sparknas.driver.run.RunStatus;
import ai.sparknas.driver.search.NonFiniteException;
import ai.sparknas.driver.search.SearchRun;
import ai.sparknas.driver.search.SearchSuspendedException;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.TrainingSums;
import ai.sparknas.kernels.net.DiscreteKernel;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@code retrain} command: the genotype's evaluation network trained from scratch with SGD
 * (momentum, weight decay, gradient clipping and the cosine schedule of {@code optim.weights}, the
 * search's optimiser), drop-path ramped over the epochs, the auxiliary head and cutout when set, and
 * BatchNorm running statistics from each step's global batch moments; evaluated on the held-out test
 * files. Its run directory is a search's: config.conf, metrics.jsonl (step lines and one line per
 * epoch), atomic checkpoints with bit-identical resume, time and step budgets with exit 75; when
 * done, {@code model/} (weights.safetensors named like NetworkCIFAR's state_dict, the genotype and the
 * config) and, last, {@code result.json}.
 */
public final class RetrainRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RetrainRun() {
    }

    /** The re-training in this process over local data; returns result.json's content. */
    public static ObjectNode execute(SearchConfig cfg, boolean force, PrintStream progress) throws IOException {
        CellGenotypes genotype = CellGenotypes.resolve(cfg.retrain().genotype());
        SearchConfig source = sourceConfig(cfg);
        RetrainData data = RetrainData.load(cfg);
        RetrainSetup setup = new RetrainSetup(cfg, genotype, RetrainSetup.layers(cfg, source),
                RetrainSetup.channels(cfg, source), RetrainSetup.ImageShape.of(data.train()), data.train().size(), 1,
                cfg.compute().effectiveThreads());
        try (InProcessRetrainOracle oracle = new InProcessRetrainOracle(setup, data)) {
            var m = setup.memory(cfg.retrain().batch(), data.train().size() + data.test().size(), 1);
            long heap = Runtime.getRuntime().maxMemory();
            progress.println(String.format(Locale.ROOT, "memory: about %.1f GB of this JVM's %.1f GB heap", m.total() / 1e9,
                    heap / 1e9));
            m.check(heap, "this re-training", "raise SPARKNAS_HEAP (deploy/bin/sparknas; the JVM's -Xmx)");
            RunDirectory run = RunDirectory.create(cfg, force, RunDirectory.Kind.RETRAIN);
            progress.println((run.resuming() ? "resuming run directory " : "run directory ") + run.describe(""));
            return execute(run, setup, oracle, "in-process, " + cfg.compute().effectiveThreads() + " threads",
                    Provenance.dataFiles(cfg, DataFiles.LOCAL), data.test().size(), progress);
        } finally {
            setup.network.close();
        }
    }

    /**
     * The config of the search run {@code retrain.from} names (its config.conf), or null when none is
     * named; its depth and width are the re-training's defaults.
     */
    public static SearchConfig sourceConfig(SearchConfig cfg) throws IOException {
        String from = cfg.retrain().from();
        if (from.isEmpty()) {
            return null;
        }
        Path conf = Path.of(from).resolve("config.conf");
        if (!Files.isRegularFile(conf)) {
            throw new java.nio.file.NoSuchFileException(conf.toString(), null, "the search run " + from + " (retrain.from)"
                    + " has no config.conf: give a search run directory, or set retrain.from=\"\" and retrain.layers /"
                    + " retrain.channels");
        }
        try {
            return SearchConfig.fromConfig(RunDirectory.parseStored(Files.readString(conf, StandardCharsets.UTF_8),
                    conf.toString()));
        } catch (com.typesafe.config.ConfigException | ai.sparknas.driver.config.ConfigException e) {
            throw new ai.sparknas.driver.config.ConfigException("sparknas.retrain.from", "cannot read the search's"
                    + " config " + conf + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs (or resumes) the re-training over {@code oracle} into {@code run}.
     *
     * @param where        the backend, for the banner and result.json
     * @param dataFiles    the data files' digests (see {@link Provenance#dataFiles})
     * @param testExamples images of the test set
     * @throws SearchSuspendedException when the launch's budget ran out (a checkpoint was written)
     * @throws NonFiniteException       when a loss, gradient or moment is NaN or infinite
     */
    public static ObjectNode execute(RunDirectory run, RetrainSetup setup, RetrainOracle oracle, String where,
                                     ObjectNode dataFiles, int testExamples, PrintStream progress) throws IOException {
        try (run) { // the run's lease is released when this launch ends, however it ends
            RunStatus status = new RunStatus(run.storage(), "retrain", run.id(), where);
            status.put("genotype", setup.genotype.text());
            return status.track(() -> {
                ObjectNode result = executeLeased(run, setup, oracle, where, dataFiles, testExamples, progress, status);
                status.update(JSON.createObjectNode().put("test_accuracy", result.path("test_accuracy").asDouble())
                        .put("test_loss", result.path("test_loss").asDouble()));
                return result;
            });
        }
    }

    private static ObjectNode executeLeased(RunDirectory run, RetrainSetup setup, RetrainOracle oracle, String where,
                                     ObjectNode dataFiles, int testExamples, PrintStream progress, RunStatus status)
            throws IOException {
        SearchConfig cfg = setup.config;
        var r = cfg.retrain();
        DiscreteKernel net = setup.network;
        int epochs = r.epochs();
        int steps = setup.stepsPerEpoch;
        progress.println(String.format(Locale.ROOT,
                "retrain: %d cells, C %d, %d weights%s, %d training records, batch %d in %d partition(s), %d epochs x %d"
                        + " steps, drop-path %.2f, cutout %d, %d test images, %s",
                setup.architecture.layers(), setup.architecture.channels(), net.weightLayout().size(),
                setup.architecture.auxiliary() ? " (auxiliary head, weight " + r.auxiliaryWeight() + ")" : "",
                setup.plan.recordsPerSplit(), r.batch(), setup.plan.partitions(), epochs, steps, r.dropPath(),
                r.cutout(), testExamples, where));
        progress.println("genotype: " + setup.genotype.text());
        Checkpoints checkpoints = new Checkpoints(run.storage(), cfg.checkpointing().keep());
        Optional<Checkpoint> resume = run.resuming()
                ? checkpoints.loadNewest(m -> progress.println("WARNING: " + m)) : Optional.empty();
        var wo = cfg.weightsOptim();
        INDArray w;
        double[] stats;
        SgdMomentum sgd;
        int epoch;
        int step;
        long globalStep;
        double[] sums; // the epoch so far: main loss, auxiliary loss, correct, examples, seconds
        if (resume.isPresent()) {
            Checkpoint c = resume.get();
            if (!c.space().equals(setup.signature())) {
                throw new RunConflictException("the newest checkpoint of run " + run.id() + " belongs to another network ("
                        + c.space() + ") than this launch's (" + setup.signature() + "): start a new run.id");
            }
            if (c.partitions() != setup.plan.partitions()) {
                throw new RunConflictException("run " + run.id() + " was computed with " + c.partitions() + " data"
                        + " partition(s) and this launch has " + setup.plan.partitions() + ": the batches depend on it; "
                        + RunDirectory.resumeAdvice("retrain", c.partitions(), r.batch(),
                        cfg.spark().minExamplesPerPartition()));
            }
            run.commitConfig();
            w = Nd4j.createFromArray(c.weights());
            stats = c.alpha().clone();
            sgd = new SgdMomentum(wo.momentum(), wo.weightDecay(), wo.gradClip(),
                    c.momentum() == null ? null : Nd4j.createFromArray(c.momentum()), c.sgdSteps());
            epoch = c.epoch();
            step = c.step();
            globalStep = c.globalStep();
            sums = c.epochSums().clone();
            run.truncateLines("metrics.jsonl", c.metricsLines());
            progress.println("resuming after step " + globalStep + " (epoch " + (epoch + 1) + ", step " + (step + 1)
                    + " next)");
        } else {
            if (run.resuming()) {
                SearchRun.refuseLostCheckpoints(run, cfg);
                progress.println("WARNING: run " + run.id() + " has no checkpoint yet: starting it from the first step");
            }
            run.commitConfig();
            w = Nd4j.createFromArray(net.initialWeights(setup.weightSeed));
            stats = net.initialStats();
            sgd = new SgdMomentum(wo.momentum(), wo.weightDecay(), wo.gradClip());
            epoch = 0;
            step = 0;
            globalStep = 0;
            sums = new double[5];
            run.truncateLines("metrics.jsonl", 0);
        }
        SearchRun.Budget budget = new SearchRun.Budget(cfg);
        status.started(epochs, steps, globalStep);
        long metricsLines = resume.map(Checkpoint::metricsLines).orElse(0L);
        GradientSums test = null;
        double launchSeconds = 0;
        long launchSteps = 0;
        try (BufferedWriter metrics = new BufferedWriter(new OutputStreamWriter(run.storage().append("metrics.jsonl"),
                StandardCharsets.UTF_8))) {
            for (; epoch < epochs; epoch++, step = 0) {
                double lr = setup.schedule.at(epoch);
                double drop = setup.dropPath(epoch);
                for (; step < steps; step++) {
                    long t0 = System.nanoTime();
                    Step done = step(setup, oracle, w, stats, sgd, epoch, step, globalStep);
                    TrainingSums s = done.sums();
                    double gradNorm = done.gradNorm();
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    globalStep++;
                    launchSeconds += seconds;
                    launchSteps++;
                    sums[0] += s.lossSum();
                    sums[1] += s.auxLossSum();
                    sums[2] += s.correct();
                    sums[3] += s.count();
                    sums[4] += seconds;
                    boolean epochEnds = step + 1 == steps;
                    boolean report = globalStep % cfg.run().logEvery() == 0 || epochEnds;
                    status.step(epoch, step, globalStep, launchSeconds / launchSteps, JSON.createObjectNode()
                            .put("train_loss", s.lossSum() / s.count()).put("train_acc", (double) s.correct() / s.count())
                            .put("lr", lr).put("drop_path", drop), report && !epochEnds);
                    if (report) {
                        ObjectNode n = JSON.createObjectNode().put("type", "step").put("epoch", epoch + 1)
                                .put("step", step + 1).put("global_step", globalStep)
                                .put("train_loss", s.lossSum() / s.count())
                                .put("train_acc", (double) s.correct() / s.count()).put("lr", lr)
                                .put("drop_path", drop).put("grad_norm", gradNorm).put("seconds", seconds);
                        if (setup.architecture.auxiliary()) {
                            n.put("aux_loss", s.auxLossSum() / s.count());
                        }
                        metricsLines += write(metrics, n);
                        double perStep = launchSeconds / launchSteps;
                        long remaining = (long) epochs * steps - globalStep;
                        progress.println(String.format(Locale.ROOT,
                                "retrain epoch %d/%d step %d/%d | train loss %.4f acc %.3f | lr %.5f | drop-path %.3f"
                                        + " | %.2f s/step | ETA %s", epoch + 1, epochs, step + 1, steps,
                                s.lossSum() / s.count(), (double) s.correct() / s.count(), lr, drop, perStep,
                                duration(remaining * perStep)));
                    }
                    boolean last = epochEnds && epoch + 1 == epochs;
                    if (epochEnds) {
                        boolean evaluate = (epoch + 1) % r.evalEvery() == 0 || last;
                        test = evaluate ? evaluate(oracle, w, stats, progress) : null;
                        metricsLines += write(metrics, epochLine(setup, epoch, lr, drop, sums, test));
                        ObjectNode epochEnd = JSON.createObjectNode().put("epoch_done", epoch + 1)
                                .put("epoch_train_loss", sums[0] / sums[3]).put("epoch_train_acc", sums[2] / sums[3]);
                        if (test != null) {
                            epochEnd.put("test_loss", test.meanLoss()).put("test_accuracy", test.accuracy());
                        }
                        status.update(epochEnd);
                        progress.println(String.format(Locale.ROOT, "retrain epoch %d/%d done in %s | train loss %.4f"
                                        + " acc %.3f%s", epoch + 1, epochs, duration(sums[4]), sums[0] / sums[3],
                                sums[2] / sums[3], test == null ? "" : String.format(Locale.ROOT,
                                        " | test loss %.4f acc %.4f", test.meanLoss(), test.accuracy())));
                    }
                    boolean stop = budget.spent() && !last;
                    int every = cfg.checkpointing().everySteps();
                    if (epochEnds || stop || (every > 0 && globalStep % every == 0)) {
                        int nextEpoch = epochEnds ? epoch + 1 : epoch;
                        int nextStep = epochEnds ? 0 : step + 1;
                        double[] carried = epochEnds ? new double[5] : sums.clone();
                        String path = checkpoints.write(new Checkpoint(cfg.render(), setup.signature(),
                                setup.plan.partitions(), nextEpoch, nextStep, globalStep, metricsLines, carried,
                                w.toDoubleVector(), stats.clone(),
                                sgd.momentumBuffer() == null ? null : sgd.momentumBuffer().toDoubleVector(), sgd.steps(),
                                null, null, 0));
                        if (stop) {
                            throw new SearchSuspendedException(budget.reason() + ": checkpoint " + path + " written"
                                    + " after step " + globalStep + "; launch the same command again to continue the"
                                    + " re-training");
                        }
                    }
                    if (epochEnds) {
                        sums = new double[5];
                    }
                }
            }
        }
        if (test == null) { // resumed after the last checkpoint of a finished training: evaluate again
            test = evaluate(oracle, w, stats, progress);
        }
        return finish(run, setup, w.toDoubleVector(), stats, sgd.steps(), test, where, dataFiles, progress);
    }

    /** What one step computed: the batch's sums and the gradient norm before clipping. */
    public record Step(TrainingSums sums, double gradNorm) {
    }

    /**
     * One re-training step: the step's batch through the oracle (sums over every partition), the SGD
     * update of {@code w} with the mean gradient at the epoch's learning rate, and the running statistics'
     * update from the global batch moments.
     *
     * @throws NonFiniteException when the loss, gradient or moments are not finite (nothing is updated)
     */
    public static Step step(RetrainSetup setup, RetrainOracle oracle, INDArray w, double[] stats, SgdMomentum sgd,
                            int epoch, int step, long globalStep) {
        var r = setup.config.retrain();
        oracle.beginStep(epoch, step, globalStep);
        TrainingSums s = oracle.train(w.toDoubleVector(), setup.dropPath(epoch), r.auxiliaryWeight());
        checkFinite(s, epoch, step);
        double gradNorm = sgd.step(w, Nd4j.createFromArray(s.weightGrad()).divi(s.count()), setup.schedule.at(epoch));
        RunningStatistics.update(stats, s.moments(), s.count(), setup.network.batchNorms(), setup.network.statsLayout(),
                r.bnMomentum());
        return new Step(s, gradNorm);
    }

    private static GradientSums evaluate(RetrainOracle oracle, INDArray w, double[] stats, PrintStream progress) {
        long t0 = System.nanoTime();
        GradientSums test = oracle.evaluate(w.toDoubleVector(), stats);
        if (!Double.isFinite(test.lossSum())) {
            throw new NonFiniteException("the test loss is " + test.lossSum() + ": the trained network diverged; lower"
                    + " optim.weights.lr or optim.weights.grad-clip");
        }
        progress.println(String.format(Locale.ROOT, "evaluated %d test images in %s", test.count(),
                duration((System.nanoTime() - t0) / 1e9)));
        return test;
    }

    private static ObjectNode epochLine(RetrainSetup setup, int epoch, double lr, double drop, double[] sums,
                                        GradientSums test) {
        ObjectNode n = JSON.createObjectNode().put("type", "epoch").put("epoch", epoch + 1)
                .put("train_loss", sums[0] / sums[3]).put("train_acc", sums[2] / sums[3]).put("lr", lr)
                .put("drop_path", drop).put("seconds", sums[4]);
        if (setup.architecture.auxiliary()) {
            n.put("aux_loss", sums[1] / sums[3]);
        }
        if (test != null) {
            n.put("test_loss", test.meanLoss()).put("test_acc", test.accuracy()).put("test_examples", test.count());
        } else {
            n.putNull("test_loss").putNull("test_acc");
        }
        return n;
    }

    /** Writes model/ and then result.json (the run's finished marker). */
    private static ObjectNode finish(RunDirectory run, RetrainSetup setup, double[] w, double[] stats, long steps,
                                     GradientSums test, String where, ObjectNode dataFiles, PrintStream progress)
            throws IOException {
        SearchConfig cfg = setup.config;
        DiscreteKernel net = setup.network;
        var a = setup.architecture;
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("model", "quark0/darts NetworkCIFAR");
        meta.put("genotype", setup.genotype.text());
        meta.put("C", String.valueOf(a.channels()));
        meta.put("layers", String.valueOf(a.layers()));
        meta.put("num_classes", String.valueOf(a.classes()));
        meta.put("auxiliary", String.valueOf(a.auxiliary()));
        meta.put("input", a.inChannels() + "x" + a.height() + "x" + a.width());
        byte[] model = ModelExport.safetensors(net, w, stats, steps, meta);
        run.storage().writeAtomically("model/weights.safetensors", model);
        run.writeAtomically("model/genotype.txt", setup.genotype.text() + "\n");
        if (setup.genotype.perType() != null) {
            run.writeAtomically("model/genotype.json", GenotypeFormat.toJson(setup.genotype.perType()) + "\n");
        }
        run.writeAtomically("model/config.conf", cfg.render() + "\n");
        long aux = net.weightLayout().segments().stream().filter(s -> s.name().startsWith("auxiliary_head."))
                .mapToLong(s -> s.size()).sum();
        ObjectNode result = JSON.createObjectNode().put("type", "retrain")
                .put("test_accuracy", test.accuracy()).put("test_loss", test.meanLoss())
                .put("test_examples", test.count()).put("epochs", cfg.retrain().epochs()).put("steps", steps)
                .put("parameters", net.weightLayout().size()).put("parameters_without_auxiliary",
                        net.weightLayout().size() - aux)
                .put("forward_macs_per_image", net.forwardMacsPerImage())
                .put("forward_flops_per_image", 2 * net.forwardMacsPerImage())
                .put("genotype", setup.genotype.text()).put("layers", a.layers()).put("channels", a.channels())
                .put("auxiliary", a.auxiliary()).put("source_run", cfg.retrain().from()).put("backend", where)
                .put("config_sha256", Provenance.configDigest(cfg))
                .put("model_sha256", Provenance.sha256(model));
        result.set("data", dataFiles);
        result.putObject("seeds").put("run_seed", cfg.run().seed()).put("weights", setup.weightSeed)
                .put("augment", setup.augmentSeed).put("cutout", setup.cutoutSeed).put("drop_path", setup.dropSeed);
        run.writeAtomically("result.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
        progress.println(String.format(Locale.ROOT, "test accuracy %.4f, test loss %.4f on %d images", test.accuracy(),
                test.meanLoss(), test.count()));
        progress.println("wrote " + run.describe("result.json") + ", model/weights.safetensors, model/genotype.txt,"
                + " model/config.conf, metrics.jsonl");
        return result;
    }

    private static void checkFinite(TrainingSums s, int epoch, int step) {
        boolean ok = Double.isFinite(s.lossSum()) && Double.isFinite(s.auxLossSum());
        for (double[] v : new double[][] {s.weightGrad(), s.moments()}) {
            for (int i = 0; ok && i < v.length; i++) {
                ok = Double.isFinite(v[i]);
            }
        }
        if (!ok) {
            throw new NonFiniteException("the training loss or gradient became NaN or infinite at epoch " + (epoch + 1)
                    + " step " + (step + 1) + " (loss sum " + s.lossSum() + "): lower optim.weights.lr or"
                    + " optim.weights.grad-clip, and resume from the last checkpoint");
        }
    }

    private static int write(BufferedWriter out, ObjectNode n) {
        try {
            out.write(JSON.writeValueAsString(n));
            out.write('\n');
            out.flush();
            return 1;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to metrics.jsonl", e);
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
