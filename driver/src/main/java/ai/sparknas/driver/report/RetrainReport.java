package ai.sparknas.driver.report;

import ai.sparknas.driver.data.CorruptDataException;
import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.GenotypeFormat;
import ai.sparknas.driver.run.RunStorage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The report of a re-training run (its curves, result and cells), and the list of re-trainings made
 * from a search run that the search's report links to.
 */
public final class RetrainReport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RetrainReport() {
    }

    /** Whether the run directory holds a re-training (its metrics carry drop-path; a finished one has result.json). */
    public static boolean isRetrain(RunStorage run) throws IOException {
        if (run.exists("result.json")) {
            return true;
        }
        String text = new String(run.read("metrics.jsonl"), StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).contains("\"drop_path\"");
    }

    /** Writes report.html (and the cell drawings of a per-type genotype) into a re-training's run directory. */
    static String write(RunStorage run, String runId) throws IOException {
        String where = run.describe("metrics.jsonl");
        List<JsonNode> lines = RunHistory.lines(new String(run.read("metrics.jsonl"), StandardCharsets.UTF_8), where,
                "it is written by sparknas retrain, one line per logged step and per epoch");
        ObjectNode data = JSON.createObjectNode();
        ArrayNode steps = data.putArray("steps");
        ArrayNode epochs = data.putArray("epochs");
        List<JsonNode> pending = new ArrayList<>();
        for (JsonNode n : lines) {
            if (n.path("type").asText().equals("step")) {
                pending.add(n);
            } else if (n.path("type").asText().equals("epoch")) {
                int perEpoch = pending.isEmpty() ? 1 : pending.get(pending.size() - 1).path("step").asInt(1);
                for (JsonNode s : pending) { // x = epochs done, fractional within the epoch
                    steps.addArray().add(s.path("epoch").asInt() - 1 + s.path("step").asDouble() / perEpoch)
                            .add(s.path("train_loss").asDouble());
                }
                pending.clear();
                ArrayNode row = epochs.addArray().add(n.path("epoch").asInt()).add(n.path("train_loss").asDouble())
                        .add(n.path("train_acc").asDouble());
                row.add(n.path("test_loss").isNumber() ? n.get("test_loss") : null);
                row.add(n.path("test_acc").isNumber() ? n.get("test_acc") : null);
                row.add(n.path("lr").asDouble()).add(n.path("drop_path").asDouble());
            }
        }
        if (epochs.isEmpty()) {
            throw new CorruptDataException(where + " holds no finished epoch (" + steps.size() + " step lines): a report"
                    + " needs at least one epoch of the re-training");
        }
        boolean finished = run.exists("result.json");
        ArrayNode result = data.putArray("result");
        String genotypeText;
        String source = "";
        if (finished) {
            JsonNode r = JSON.readTree(run.read("result.json"));
            for (String k : List.of("test_accuracy", "test_loss", "test_examples", "epochs", "steps", "layers", "channels",
                    "auxiliary", "parameters", "parameters_without_auxiliary", "forward_macs_per_image", "backend",
                    "config_sha256", "model_sha256")) {
                if (r.has(k)) {
                    result.addArray().add(k.replace('_', ' ')).add(r.get(k).asText());
                }
            }
            genotypeText = r.path("genotype").asText();
            String from = r.path("source_run").asText("");
            if (!from.isEmpty()) {
                source = " — re-trained from search <a href=\"../" + CellDrawing.escape(Path.of(from).getFileName().toString())
                        + "/report.html\">" + CellDrawing.escape(from) + "</a>";
            }
        } else {
            JsonNode last = epochs.get(epochs.size() - 1);
            result.addArray().add("epochs done").add(last.get(0).asText());
            genotypeText = ai.sparknas.driver.run.RunDirectory.parseStored(config(run), run.describe("config.conf"))
                    .getString("sparknas.retrain.genotype");
        }
        String normalSvg = "";
        String reduceSvg = "";
        if (genotypeText.contains("Genotype(")) {
            Genotype g = GenotypeFormat.parseDartsText(genotypeText);
            normalSvg = CellDrawing.svg(g, false, "normal cell");
            reduceSvg = CellDrawing.svg(g, true, "reduction cell");
            run.writeAtomically("cells/normal.svg", normalSvg.getBytes(StandardCharsets.UTF_8));
            run.writeAtomically("cells/reduce.svg", reduceSvg.getBytes(StandardCharsets.UTF_8));
        }
        String html = ReportWriter.template("retrain-report-template.html")
                .replace("{{TITLE}}", CellDrawing.escape("sparknas re-training " + runId))
                .replace("{{STATUS}}", (finished ? "finished" : "in progress") + ReportWriter.liveStatus(run))
                .replace("{{SOURCE}}", source)
                .replace("{{GENOTYPE}}", CellDrawing.escape(genotypeText))
                .replace("{{CONFIG}}", CellDrawing.escape(config(run)))
                .replace("{{NORMAL_SVG}}", normalSvg).replace("{{REDUCE_SVG}}", reduceSvg)
                .replace("{{DATA}}", JSON.writeValueAsString(data).replace("</", "<\\/"))
                .replace("{{ECHARTS}}", ReportWriter.echarts().replace("</script", "<\\/script"))
                .replace("{{COMMON}}", ReportWriter.template("report-common.html"));
        run.writeAtomically("report.html", html.getBytes(StandardCharsets.UTF_8));
        return run.describe("report.html");
    }

    private static String config(RunStorage run) throws IOException {
        return run.exists("config.conf") ? new String(run.read("config.conf"), StandardCharsets.UTF_8) : "";
    }

    /**
     * The re-trainings made from the search run {@code searchDir}: the directories beside it whose
     * config.conf names it as {@code retrain.from}, with their status and (when finished) test results.
     */
    public static ArrayNode madeFrom(Path searchDir) throws IOException {
        ArrayNode out = JSON.createArrayNode();
        Path self = searchDir.toAbsolutePath().normalize();
        Path parent = self.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return out;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(parent)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path d : dirs) {
            Path conf = d.resolve("config.conf");
            if (d.equals(self) || !Files.isRegularFile(conf)) {
                continue;
            }
            com.typesafe.config.Config c;
            try {
                c = ai.sparknas.driver.run.RunDirectory.parseStored(Files.readString(conf, StandardCharsets.UTF_8),
                        conf.toString());
            } catch (com.typesafe.config.ConfigException | IOException e) {
                continue; // not a run directory this report can read
            }
            if (!c.hasPath("sparknas.retrain.from") || !c.getString("sparknas.retrain.from").equals(self.toString())) {
                continue;
            }
            String id = d.getFileName().toString();
            ObjectNode r = out.addObject().put("id", id);
            r.put("href", "../" + id + "/" + (Files.exists(d.resolve("report.html")) ? "report.html"
                    : Files.exists(d.resolve("result.json")) ? "result.json" : ""));
            if (Files.exists(d.resolve("result.json"))) {
                JsonNode res = JSON.readTree(d.resolve("result.json").toFile());
                r.put("status", "finished").put("shape", res.path("layers").asInt() + " × " + res.path("channels").asInt())
                        .put("epochs", res.path("epochs").asInt()).put("test_accuracy", res.path("test_accuracy").asDouble())
                        .put("test_loss", res.path("test_loss").asDouble());
            } else {
                r.put("status", "in progress").put("shape", String.format(Locale.ROOT, "%s × %s",
                        c.getValue("sparknas.retrain.layers").unwrapped(), c.getValue("sparknas.retrain.channels").unwrapped()))
                        .put("epochs", c.getInt("sparknas.retrain.epochs")).putNull("test_accuracy").putNull("test_loss");
            }
        }
        return out;
    }
}
