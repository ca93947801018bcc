package ai.sparknas.driver.report;

import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.GenotypeDerivation;
import ai.sparknas.driver.genotype.GenotypeFormat;
import ai.sparknas.driver.run.RunStorage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Writes {@code report.html} (one self-contained file: the charting library, the data and the cell
 * drawings inline), {@code cells/normal.svg}, {@code cells/reduce.svg} and their {@code .dot} files into
 * a run directory. Charts are Apache ECharts (from its WebJar); cell layout is ELK ({@link CellDrawing}).
 */
public final class ReportWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ECHARTS = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

    private ReportWriter() {
    }

    /**
     * @param heatmapEpochs 1-based epochs whose α heat-maps are shown; empty = first, middle and last
     * @return the report's path
     */
    public static String write(RunStorage run, String runId, List<Integer> heatmapEpochs) throws IOException {
        return write(run, runId, heatmapEpochs, JSON.createArrayNode());
    }

    /**
     * The report of a search run (listing {@code retrains}, see {@link RetrainReport#madeFrom}) or of a
     * re-training run.
     */
    public static String write(RunStorage run, String runId, List<Integer> heatmapEpochs, ArrayNode retrains)
            throws IOException {
        if (!run.exists("metrics.jsonl")) {
            throw new java.nio.file.NoSuchFileException(run.describe("metrics.jsonl"), null,
                    "not a run directory (no metrics.jsonl): give the directory <run.output>/<run.id> of a search or"
                    + " a re-training");
        }
        if (RetrainReport.isRetrain(run)) {
            return RetrainReport.write(run, runId);
        }
        RunHistory h = RunHistory.parse(new String(run.read("metrics.jsonl"), StandardCharsets.UTF_8),
                run.describe("metrics.jsonl"));
        List<Integer> chosen = chosenEpochs(h.epochs().size(), heatmapEpochs); // a bad --epochs is a usage error
        boolean finished = run.exists("genotype.json");
        String config = run.exists("config.conf") ? new String(run.read("config.conf"), StandardCharsets.UTF_8) : "";
        Genotype genotype;
        ObjectNode data;
        try { // what the run directory holds: anything missing or malformed in it is a damaged run (exit 3)
            genotype = finished
                    ? GenotypeFormat.fromJson(new String(run.read("genotype.json"), StandardCharsets.UTF_8))
                    : GenotypeFormat.parseDartsText(h.epochs().get(h.epochs().size() - 1).get("genotype").asText());
            data = data(h, chosen, opsOf(config, run.describe("config.conf")));
        } catch (NullPointerException | IllegalArgumentException | ClassCastException e) {
            throw new ai.sparknas.driver.data.CorruptDataException(run.describe(finished ? "genotype.json" : "metrics.jsonl")
                    + " (or config.conf) does not hold what a search writes: " + (e.getMessage() == null
                    ? "a line misses a field (" + e + ")" : e.getMessage()) + "; the run directory is damaged");
        }
        String normalSvg = CellDrawing.svg(genotype, false, "normal cell");
        String reduceSvg = CellDrawing.svg(genotype, true, "reduction cell");
        run.writeAtomically("cells/normal.svg", normalSvg.getBytes(StandardCharsets.UTF_8));
        run.writeAtomically("cells/reduce.svg", reduceSvg.getBytes(StandardCharsets.UTF_8));
        run.writeAtomically("cells/normal.dot", CellDrawing.dot(genotype, false).getBytes(StandardCharsets.UTF_8));
        run.writeAtomically("cells/reduce.dot", CellDrawing.dot(genotype, true).getBytes(StandardCharsets.UTF_8));

        data.set("retrains", retrains);
        if (run.exists(FIDELITY)) {
            data.set("fidelity", fidelity(new String(run.read(FIDELITY), StandardCharsets.UTF_8), run.describe(FIDELITY)));
        }
        String html = html(runId, (finished ? "finished" : "in progress (genotype of the last epoch)") + liveStatus(run),
                genotype, config, normalSvg, reduceSvg, data);
        run.writeAtomically("report.html", html.getBytes(StandardCharsets.UTF_8));
        return run.describe("report.html");
    }

    /** The fidelity study's lines, when {@code sparknas fidelity --from RUN_DIR} wrote them. */
    static final String FIDELITY = "fidelity.jsonl";

    /** The fidelity table's rows and the reference's residual, from the study's summary lines. */
    static ObjectNode fidelity(String jsonl, String where) throws IOException {
        ObjectNode f = JSON.createObjectNode();
        ArrayNode rows = f.putArray("rows");
        for (JsonNode n : RunHistory.lines(jsonl, where, "run sparknas fidelity --from RUN_DIR again")) {
            String type = n.path("type").asText();
            if (type.equals("reference")) {
                f.putObject("reference").put("damping", n.path("damping").asDouble()).put("points", n.path("points").asInt())
                        .set("residual_median", n.path("residual").path("median"));
                ((ObjectNode) f.get("reference")).set("residual_q3", n.path("residual").path("q3"));
            } else if (type.equals("estimator")) {
                ObjectNode r = rows.addObject();
                r.put("label", n.path("estimator").asText() + (n.has("method") ? " " + n.get("method").asText() + " K="
                        + n.get("K").asInt() : ""));
                r.set("products", n.path("products"));
                r.putArray("cos").add(n.path("cos_to_reference").path("q1")).add(n.path("cos_to_reference").path("median"))
                        .add(n.path("cos_to_reference").path("q3"));
                r.set("rel", n.path("rel_error").path("median"));
                r.set("second", n.path("second_term_cos").path("median"));
                r.set("within90", n.path("second_term_within_90"));
                r.set("passes", n.path("passes"));
                r.set("seconds", n.path("seconds"));
            }
        }
        if (!f.has("reference") || rows.isEmpty()) {
            throw new ai.sparknas.driver.data.CorruptDataException(where + " has no reference or estimator lines (an"
                    + " interrupted study?): run sparknas fidelity --from RUN_DIR again, or delete the file");
        }
        return f;
    }

    /** The series the charts draw. */
    static ObjectNode data(RunHistory h, List<Integer> chosenEpochs, List<String> ops) {
        ObjectNode d = JSON.createObjectNode();
        ArrayNode steps = d.putArray("steps");
        for (JsonNode s : h.steps()) {
            steps.addArray().add(s.get("global_step").asLong()).add(s.get("train_loss").asDouble())
                    .add(s.get("val_loss").asDouble()).add(s.get("train_acc").asDouble()).add(s.get("val_acc").asDouble())
                    .add(s.get("skip_connect_normal").asInt()).add(s.get("alpha_entropy").asDouble());
        }
        ArrayNode epochs = d.putArray("epochs");
        for (int i = 0; i < h.epochs().size(); i++) {
            JsonNode e = h.epochs().get(i);
            ArrayNode row = epochs.addArray().add(e.get("epoch").asInt()).add(e.get("train_acc").asDouble())
                    .add(e.get("val_acc").asDouble());
            row.add(e.has("supernet_acc") ? JSON.valueToTree(e.get("supernet_acc").asDouble()) : null);
            row.add(e.has("subnet_acc") ? JSON.valueToTree(e.get("subnet_acc").asDouble()) : null);
            row.add(e.get("skip_connect_normal").asInt()).add(e.get("skip_connect_reduce").asInt())
                    .add(h.epochEndSteps().get(i));
        }
        if (h.epochs().get(0).get("alpha_normal").get(0).size() != ops.size()) {
            throw new IllegalArgumentException("α has " + h.epochs().get(0).get("alpha_normal").get(0).size()
                    + " columns but the run's config lists " + ops.size() + " ops: config.conf and metrics.jsonl disagree");
        }
        d.set("ops", JSON.valueToTree(ops));
        // α trajectories: per cell type and op, softmax weight averaged over the edges, per epoch
        for (String type : List.of("normal", "reduce")) {
            ArrayNode traj = d.putArray("trajectory_" + type);
            for (JsonNode e : h.epochs()) {
                double[][] p = softmax(e.get("alpha_" + type));
                ArrayNode row = traj.addArray();
                for (int k = 0; k < ops.size(); k++) {
                    double m = 0;
                    for (double[] edge : p) {
                        m += edge[k];
                    }
                    row.add(m / p.length);
                }
            }
        }
        ArrayNode maps = d.putArray("heatmaps");
        for (int epoch : chosenEpochs) {
            JsonNode e = h.epochs().get(epoch - 1);
            ObjectNode m = maps.addObject().put("epoch", epoch);
            for (String type : List.of("normal", "reduce")) {
                double[][] p = softmax(e.get("alpha_" + type));
                ArrayNode cells = m.putArray(type);
                for (int r = 0; r < p.length; r++) {
                    for (int k = 0; k < p[r].length; k++) {
                        cells.addArray().add(k).add(r).add(Math.round(p[r][k] * 1000) / 1000.0);
                    }
                }
                m.put("edges", p.length);
            }
        }
        return d;
    }

    static List<Integer> chosenEpochs(int epochs, List<Integer> asked) {
        TreeSet<Integer> out = new TreeSet<>();
        if (asked == null || asked.isEmpty()) {
            out.add(1);
            out.add((epochs + 1) / 2);
            out.add(epochs);
        } else {
            for (int e : asked) {
                if (e < 1 || e > epochs) {
                    throw new IllegalArgumentException("--epochs " + e + ": the run has epochs 1.." + epochs);
                }
                out.add(e);
            }
        }
        return new ArrayList<>(out);
    }

    /** α's column order: {@code search.ops} of the run's config.conf (the DARTS ops when it has none). */
    static List<String> opsOf(String config, String where) throws IOException {
        com.typesafe.config.Config c = ai.sparknas.driver.run.RunDirectory.parseStored(config, where);
        return c.hasPath("sparknas.search.ops") ? c.getStringList("sparknas.search.ops")
                : ai.sparknas.driver.config.SearchConfig.DARTS_OPS;
    }

    /** softmax(α) per edge of an α matrix as metrics.jsonl stores it. */
    static double[][] softmax(JsonNode alpha) {
        double[][] p = new double[alpha.size()][];
        for (int r = 0; r < alpha.size(); r++) {
            double[] row = new double[alpha.get(r).size()];
            for (int k = 0; k < row.length; k++) {
                row[k] = alpha.get(r).get(k).asDouble();
            }
            p[r] = GenotypeDerivation.softmax(row);
        }
        return p;
    }

    /** A template beside this class (report-template.html, retrain-report-template.html, report-common.html). */
    static String template(String name) throws IOException {
        try (InputStream in = ReportWriter.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The ECharts library, inlined into every report. */
    static String echarts() throws IOException {
        try (InputStream in = ReportWriter.class.getClassLoader().getResourceAsStream(ECHARTS)) {
            if (in == null) {
                throw new IOException("the ECharts WebJar is missing from the classpath (" + ECHARTS + ")");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * A link to the run's {@code status.json} (run/RunStatus) with the state and time it last recorded;
     * "" when the run has none (written before status files existed).
     */
    static String liveStatus(RunStorage run) throws IOException {
        if (!run.exists(ai.sparknas.driver.run.RunStatus.FILE)) {
            return "";
        }
        String state = "unreadable";
        try {
            JsonNode n = JSON.readTree(run.read(ai.sparknas.driver.run.RunStatus.FILE));
            state = n.path("state").asText("?") + ", updated " + n.path("updated_at").asText("?");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // a damaged status file must not stop the report: it is replaced at the run's next update
        }
        return " · live status: <a href=\"status.json\">status.json</a> (" + CellDrawing.escape(state) + ")";
    }

    private static String html(String runId, String status, Genotype g, String config, String normalSvg,
                               String reduceSvg, ObjectNode data) throws IOException {
        String echarts = echarts();
        String template = template("report-template.html");
        return template.replace("{{TITLE}}", CellDrawing.escape("sparknas run " + runId))
                .replace("{{STATUS}}", status)
                .replace("{{GENOTYPE}}", CellDrawing.escape(GenotypeFormat.toDartsText(g)))
                .replace("{{CONFIG}}", CellDrawing.escape(config))
                .replace("{{NORMAL_SVG}}", normalSvg).replace("{{REDUCE_SVG}}", reduceSvg)
                .replace("{{DATA}}", JSON.writeValueAsString(data).replace("</", "<\\/"))
                .replace("{{ECHARTS}}", echarts.replace("</script", "<\\/script"))
                .replace("{{COMMON}}", template("report-common.html"));
    }
}
