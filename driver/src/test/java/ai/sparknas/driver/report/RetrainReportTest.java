package ai.sparknas.driver.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.cli.Main;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.retrain.RetrainRun;
import ai.sparknas.driver.search.SearchRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A re-training's report shows its curves and result and renders in headless Chromium; the report of
 * the search it came from lists and links it.
 */
class RetrainReportTest {

    @Test
    void retrainReportAndTheSearchsLinkToIt(@TempDir Path out) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        SearchRun.execute(SearchConfig.load(null, List.of("run.output=" + out, "run.id=s", "data.limit=128",
                "search.layers=3", "search.channels=4", "search.batch=16", "search.epochs=1", "search.steps-per-epoch=2",
                "search.estimator=first-order", "compute.threads=2", "monitor.eval-batches=0")), quiet);
        Main.RetrainOptions from = new Main.RetrainOptions();
        from.from = out.resolve("s");
        JsonNode result = RetrainRun.execute(from.apply(SearchConfig.load(null, List.of("run.output=" + out,
                "run.id=s-retrain", "data.limit=128", "retrain.epochs=2", "retrain.batch=16",
                "retrain.steps-per-epoch=3", "retrain.test-limit=64", "run.log-every=1"))), false, quiet);

        Path retrain = out.resolve("s-retrain");
        assertEquals(0, Main.run("report", retrain.toString()));
        String html = Files.readString(retrain.resolve("report.html"));
        assertTrue(html.contains("sparknas re-training s-retrain"), "the re-training's own report");
        assertTrue(html.contains("href=\"../s/report.html\""), "links back to its search");
        assertTrue(html.contains("\"test_accuracy\"") || html.contains("test accuracy"), "shows the result");
        assertTrue(html.contains(result.get("test_accuracy").asText()), "the result's test accuracy is in the page");

        assertEquals(0, Main.run("report", out.resolve("s").toString()));
        String search = Files.readString(out.resolve("s/report.html"));
        assertTrue(search.contains("\"retrains\":[{\"id\":\"s-retrain\",\"href\":\"../s-retrain/report.html\""),
                "the search's report lists and links the re-training");
        assertTrue(search.contains(result.get("test_accuracy").asText()));

        String dom = render(retrain.resolve("report.html"), out);
        assertTrue(dom.contains("data-rendered=\"true\""), "the page's script ran to the end");
        assertTrue(dom.split("<svg", -1).length - 1 >= 5, "2 cells + 3 charts drawn");
        String searchDom = render(out.resolve("s/report.html"), out);
        assertTrue(searchDom.contains(">s-retrain</a>"), "the re-training's row and link are drawn");
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(json.writeValueAsString(result)), json.readTree(retrain.resolve("result.json").toFile()));
    }

    static String render(Path html, Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ReportTest.chromium(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--window-size=1280,2400", "--virtual-time-budget=5000", "--dump-dom",
                html.toUri().toString()));
        Path dom = out.resolve("dom-" + html.getParent().getFileName() + ".html");
        assertEquals(0, ReportTest.exec(cmd, dom));
        return Files.readString(dom);
    }
}
