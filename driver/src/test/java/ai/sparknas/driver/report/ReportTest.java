package ai.sparknas.driver.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.cli.Main;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.search.SearchRun;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The report of a real (short) search: the cell SVGs match the genotype (nodes and labelled edges),
 * and report.html renders in headless Chromium (Debian's {@code chromium}, installed by .ci/run): the
 * screenshot is not blank and the page's scripts drew every chart.
 */
class ReportTest {

    static final String FASHION = "/usr/share/datasets/fashion-mnist/";

    @TempDir
    static Path out;
    static Path run;
    static Genotype genotype;

    @BeforeAll
    static void search() throws Exception {
        SearchConfig cfg = SearchConfig.load(null, List.of("run.output=" + out, "run.id=r",
                "data.train-images=" + FASHION + "train-images-idx3-ubyte.gz",
                "data.train-labels=" + FASHION + "train-labels-idx1-ubyte.gz", "data.limit=256",
                "search.layers=3", "search.channels=4", "search.batch=16", "search.epochs=3",
                "search.steps-per-epoch=2", "search.estimator=first-order", "compute.threads=2",
                "optim.alpha.lr=0.05"));
        genotype = SearchRun.execute(cfg, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        run = out.resolve("r");
        assertEquals(0, Main.run("report", run.toString(), "--epochs", "1,3"));
    }

    @Test
    void cellSvgsMatchTheGenotype() throws Exception {
        for (boolean reduce : new boolean[] {false, true}) {
            String name = reduce ? "reduce" : "normal";
            Document svg = xml(run.resolve("cells/" + name + ".svg"));
            Set<String> nodes = new HashSet<>();
            NodeList groups = svg.getElementsByTagName("g");
            List<String> edges = new ArrayList<>();
            for (int i = 0; i < groups.getLength(); i++) {
                Element g = (Element) groups.item(i);
                if (g.getAttribute("class").equals("node")) {
                    nodes.add(g.getAttribute("data-name"));
                } else if (g.getAttribute("class").equals("edge") && g.hasAttribute("data-op")) {
                    edges.add(g.getAttribute("data-from") + " -" + g.getAttribute("data-op") + "-> " + g.getAttribute("data-to"));
                    assertEquals(g.getAttribute("data-op"), g.getElementsByTagName("text").item(0).getTextContent(),
                            "the edge is labelled with its op");
                }
            }
            assertEquals(Set.of("c_{k-2}", "c_{k-1}", "0", "1", "2", "3", "c_{k}"), nodes, name);
            List<String> expected = new ArrayList<>();
            List<Genotype.Edge> ge = genotype.edges(reduce);
            for (int i = 0; i < ge.size(); i++) {
                String from = ge.get(i).input() == 0 ? "c_{k-2}" : ge.get(i).input() == 1 ? "c_{k-1}"
                        : String.valueOf(ge.get(i).input() - 2);
                expected.add(from + " -" + ge.get(i).op() + "-> " + (i / 2));
            }
            expected.sort(null);
            edges.sort(null);
            assertEquals(expected, edges, name);
            String dot = Files.readString(run.resolve("cells/" + name + ".dot"));
            assertEquals(8, dot.lines().filter(l -> l.contains("label=")).count(), dot);
        }
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("data-cell=\"normal\"") && html.contains("data-cell=\"reduce\""), "SVGs inline");
        assertTrue(!html.contains("src=\"http") && !html.contains("href=\"http"), "self-contained: nothing fetched");
    }

    @Test
    void rendersInHeadlessChromium() throws Exception {
        Path png = out.resolve("report.png");
        String url = run.resolve("report.html").toUri().toString();
        List<String> common = List.of(chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--window-size=1280,3600");
        List<String> shot = new ArrayList<>(common);
        shot.addAll(List.of("--screenshot=" + png, url));
        assertEquals(0, exec(shot, out.resolve("shot.log")), Files.readString(out.resolve("shot.log")));
        BufferedImage img = ImageIO.read(png.toFile());
        Set<Integer> colors = new HashSet<>();
        long inked = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colors.add(rgb);
                inked += rgb != 0xffffff ? 1 : 0;
            }
        }
        double fraction = inked / (img.getWidth() / 2.0 * img.getHeight() / 2.0);
        assertTrue(colors.size() > 50 && fraction > 0.02, colors.size() + " colours, " + fraction + " inked: blank?");

        List<String> dom = new ArrayList<>(common);
        dom.addAll(List.of("--virtual-time-budget=5000", "--dump-dom", url));
        Path domFile = out.resolve("dom.html");
        assertEquals(0, exec(dom, domFile));
        String rendered = Files.readString(domFile);
        assertTrue(rendered.contains("data-rendered=\"true\""), "the page's script ran to the end");
        long svgs = rendered.split("<svg", -1).length - 1;
        // 2 cells + 6 line charts + 2 × 2 heat-maps, the charts drawn by ECharts' SVG renderer
        assertTrue(svgs >= 12, svgs + " SVG elements in the rendered page");
    }

    /** {@code fidelity --from RUN_DIR} writes fidelity.jsonl there; the report then shows its table and chart. */
    @Test
    void fidelityLinesBecomeATableAndAChart() throws Exception {
        Path copy = out.resolve("with-fidelity");
        try (var files = Files.walk(run)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(run.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        assertEquals(0, Main.run("fidelity", "--from", copy.toString(), "--points", "1", "--implicit-steps", "2",
                "--reference-damping", "10", "--power-iterations", "0"));
        assertTrue(Files.exists(copy.resolve("fidelity.jsonl")));
        assertEquals(0, Main.run("report", copy.toString()));
        String html = Files.readString(copy.resolve("report.html"));
        assertTrue(html.contains("\"fidelity\":{\"rows\":["), "the fidelity data is embedded");
        List<String> dom = List.of(chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--virtual-time-budget=5000", "--dump-dom", copy.resolve("report.html").toUri().toString());
        Path domFile = out.resolve("dom-fidelity.html");
        assertEquals(0, exec(dom, domFile));
        String rendered = Files.readString(domFile);
        assertTrue(rendered.contains("data-rendered=\"true\""), "the page's script ran to the end");
        String table = rendered.substring(rendered.indexOf("id=\"fidelity\""), rendered.indexOf("id=\"fidelity_chart\""));
        assertEquals(1 + 7, table.split("<tr", -1).length - 1, "a header and one row per estimator variant");
        assertTrue(table.contains("amended") && table.contains("exact") && table.contains("finite-difference"));

        Files.writeString(copy.resolve("fidelity.jsonl"), "{\"type\":\"point\"\n");
        assertEquals(Main.EXIT_DATA, Main.run("report", copy.toString()), "a damaged fidelity.jsonl is named");
    }

    @Test
    void aDirectoryWithoutMetricsIsAnIoError() throws Exception {
        Path empty = Files.createDirectories(out.resolve("empty"));
        assertEquals(Main.EXIT_DATA, Main.run("report", empty.toString()));
        assertEquals(Main.EXIT_DATA, Main.run("report", out.resolve("missing").toString()));
        assertEquals(Main.EXIT_CONFIG, Main.run("report", run.toString(), "--epochs", "9"));
    }

    static String chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        throw new AssertionError("Debian's chromium is not installed: run `apt-get install -y chromium` (.ci/run does)");
    }

    static int exec(List<String> cmd, Path outFile) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 120 s: " + cmd);
        }
        return p.exitValue();
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }
}
