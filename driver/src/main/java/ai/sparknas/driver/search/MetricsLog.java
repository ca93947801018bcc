package ai.sparknas.driver.search;

import ai.sparknas.driver.genotype.GenotypeFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Writes one JSON line per step and per epoch to {@code metrics.jsonl} (flushed per line, so a
 * crashed run keeps what it measured) and prints a progress line every {@code logEvery} steps.
 */
public final class MetricsLog implements StepListener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;
    private final PrintStream progress;
    private final int logEvery;
    private final int normalSkipWarning;
    private double stepSeconds;
    private long steps;
    private long lines;
    private java.util.function.Supplier<Object> stepDetails;
    private ai.sparknas.driver.run.RunStatus status;

    /**
     * @param out   the metrics file opened for appending
     * @param lines lines the file already holds (a resumed run continues after them)
     */
    public MetricsLog(OutputStream out, long lines, PrintStream progress, int logEvery, int normalSkipWarning) {
        this.out = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        this.lines = lines;
        this.progress = progress;
        this.logEvery = logEvery;
        this.normalSkipWarning = normalSkipWarning;
    }

    @Override
    public void onStep(Step s) {
        steps++;
        stepSeconds += s.seconds();
        ObjectNode n = JSON.createObjectNode().put("type", "step").put("epoch", s.epoch() + 1).put("step", s.step() + 1)
                .put("global_step", s.globalStep()).put("train_loss", s.trainLoss()).put("train_acc", s.trainAcc())
                .put("val_loss", s.valLoss()).put("val_acc", s.valAcc()).put("lr", s.lr()).put("grad_norm", s.gradNorm())
                .put("alpha_entropy", s.alphaEntropy()).put("skip_connect_normal", s.normalSkips())
                .put("seconds", s.seconds());
        s.hypergradient().forEach((k, v) -> {
            if (Double.isFinite(v)) {
                n.put(k, v);
            } else {
                n.putNull(k); // JSON has no NaN: an undefined ratio (a zero norm) is null
            }
        });
        if (stepDetails != null) {
            n.set("rounds", JSON.valueToTree(stepDetails.get()));
        }
        write(n);
        boolean last = s.step() + 1 == s.steps();
        boolean report = s.globalStep() % logEvery == 0 || last;
        double perStep = stepSeconds / steps;
        if (status != null) { // the metrics and genotype text only for a step that is written
            ObjectNode latest = null;
            if (report) {
                status.put("genotype", GenotypeFormat.toDartsText(s.genotype()));
                latest = JSON.createObjectNode().put("train_loss", s.trainLoss()).put("train_acc", s.trainAcc())
                        .put("val_loss", s.valLoss()).put("val_acc", s.valAcc()).put("alpha_entropy", s.alphaEntropy())
                        .put("skip_connect_normal", s.normalSkips())
                        .put("skip_connect_reduce", ai.sparknas.driver.genotype.Genotypes.count(s.genotype(), true,
                                "skip_connect"));
            }
            status.step(s.epoch(), s.step(), s.globalStep(), perStep, latest, report);
        }
        if (report) {
            long remaining = (long) s.epochs() * s.steps() - s.globalStep();
            progress.println(String.format(Locale.ROOT,
                    "epoch %d/%d step %d/%d | train loss %.4f acc %.3f | val loss %.4f acc %.3f | lr %.5f"
                            + " | H(α) %.4f | skip %d | %.2f s/step | ETA %s",
                    s.epoch() + 1, s.epochs(), s.step() + 1, s.steps(), s.trainLoss(), s.trainAcc(), s.valLoss(),
                    s.valAcc(), s.lr(), s.alphaEntropy(), s.normalSkips(), perStep, duration(remaining * perStep)));
        }
    }

    /**
     * Adds a backend's account of each step (for Spark: per-round timings and bytes) to the step
     * lines, under {@code "rounds"}; called once per step, after the step.
     */
    public void setStepDetails(java.util.function.Supplier<Object> details) {
        this.stepDetails = details;
    }

    /** Keeps {@code status} (status.json) up to date: every {@code logEvery} steps and at each epoch end. */
    public void setStatus(ai.sparknas.driver.run.RunStatus status) {
        this.status = status;
    }

    @Override
    public void onEpoch(Epoch e) {
        ObjectNode n = JSON.createObjectNode().put("type", "epoch").put("epoch", e.epoch() + 1)
                .put("train_loss", e.trainLoss()).put("train_acc", e.trainAcc()).put("val_loss", e.valLoss())
                .put("val_acc", e.valAcc()).put("alpha_entropy", e.alphaEntropy())
                .put("skip_connect_normal", e.normalSkips()).put("skip_connect_reduce", e.reduceSkips())
                .put("genotype", GenotypeFormat.toDartsText(e.genotype())).put("state_sha256", e.stateDigest())
                .put("seconds", e.seconds());
        StepListener.Stability st = e.stability();
        if (st != null) {
            n.put("monitor_examples", st.examples()).put("supernet_loss", st.superLoss())
                    .put("supernet_acc", st.superAcc()).put("subnet_loss", st.subLoss()).put("subnet_acc", st.subAcc())
                    .put("optimization_gap", st.gap());
        }
        if (stepDetails != null) {
            n.set("monitor_rounds", JSON.valueToTree(stepDetails.get())); // the stability evaluation's own rounds
        }
        n.set("alpha_normal", JSON.valueToTree(e.alphaNormal()));
        n.set("alpha_reduce", JSON.valueToTree(e.alphaReduce()));
        write(n);
        if (status != null) {
            ObjectNode epochEnd = JSON.createObjectNode().put("epoch_done", e.epoch() + 1)
                    .put("epoch_train_acc", e.trainAcc()).put("epoch_val_acc", e.valAcc());
            if (st != null) {
                epochEnd.put("supernet_acc", st.superAcc()).put("subnet_acc", st.subAcc())
                        .put("optimization_gap", st.gap());
            }
            status.put("genotype", GenotypeFormat.toDartsText(e.genotype()));
            status.update(epochEnd);
        }
        progress.println(String.format(Locale.ROOT, "epoch %d/%d done in %s | train acc %.3f | val acc %.3f%s"
                        + " | skip normal %d reduce %d | H(α) %.4f | genotype %s",
                e.epoch() + 1, e.epochs(), duration(e.seconds()), e.trainAcc(), e.valAcc(),
                st == null ? "" : String.format(Locale.ROOT, " | super-net acc %.3f | sub-net acc %.3f (gap %+.3f)",
                        st.superAcc(), st.subAcc(), st.gap()),
                e.normalSkips(), e.reduceSkips(), e.alphaEntropy(), GenotypeFormat.toDartsText(e.genotype())));
        if (e.normalSkips() > normalSkipWarning) {
            progress.println("WARNING: the normal cell has " + e.normalSkips() + " skip_connect edges (more than "
                    + "monitor.skip-warning-threshold = " + normalSkipWarning + "): the search may be collapsing");
        }
    }

    private void write(ObjectNode n) {
        try {
            out.write(JSON.writeValueAsString(n));
            out.write('\n');
            out.flush();
            lines++;
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to metrics.jsonl", ex);
        }
    }

    /** Lines of metrics.jsonl so far, the offset a checkpoint records. */
    public long lines() {
        return lines;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
