package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Livy client against a real Livy 0.7.1 server (deploy/livy/server, started by deploy/livy/livy-server
 * on 127.0.0.1) running the packaged jar on the assembled Spark: a search to success; a batch killed
 * mid-run (SIGTERM: checkpoint, exit 75, mirrored by a concurrent {@code wait}) that a new batch resumes
 * to the same bits as the straight run; a budget stop (wait exits 75); a jar outside the server's
 * whitelist or missing; an unreachable server; the notebook executed headless.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LivyIT {

    static final String CLIENT = "deploy/bin/sparknas-livy";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir; // static: filled before @BeforeAll

    private Process server;
    private String url;
    private Path jar;

    @BeforeAll
    void startServer() throws Exception {
        Path work = dir.resolve("livy");
        Files.createDirectories(work.resolve("jars"));
        Path built;
        try (Stream<Path> s = Files.list(Launch.ROOT.resolve("spark-job/target"))) {
            built = s.filter(p -> p.getFileName().toString().endsWith("-app.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no spark-job/target/*-app.jar: LivyIT runs after package"));
        }
        jar = work.resolve("jars/app.jar");
        try {
            Files.createLink(jar, built);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(built, jar);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        url = "http://127.0.0.1:" + port;
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", null);
        server = Launch.start(List.of("deploy/livy/livy-server", "--work", work.toString(), "--port",
                String.valueOf(port), "--master", "local[2]"), env, dir.resolve("livy-server.log"));
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (true) {
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(url + "/batches").toURL().openConnection();
                c.setConnectTimeout(1000);
                if (c.getResponseCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (!server.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the Livy server did not start:\n" + Files.readString(dir.resolve("livy-server.log")));
            }
            Thread.sleep(500);
        }
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.descendants().forEach(ProcessHandle::destroy);
            server.destroy();
        }
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", null);
        env.put("SPARKNAS_LIVY_URL", url);
        env.put("SPARKNAS_LIVY_JAR", jar.toString());
        return env;
    }

    private Launch.Result client(Map<String, String> env, String log, long timeout, String... args) throws Exception {
        List<String> c = new ArrayList<>(List.of(CLIENT));
        c.addAll(List.of(args));
        return Launch.run(c, env, dir.resolve(log), timeout);
    }

    /** 2 epochs x 4 steps of a small search, a checkpoint and a status.json line after every step. */
    private String[] submit(String id, String... more) {
        List<String> a = new ArrayList<>(List.of("submit", "search", "-c", "conf/search-fashion-mnist.conf",
                "search.epochs=2", "search.steps-per-epoch=4", "search.batch=8", "search.channels=4", "search.layers=3",
                "data.limit=128", "run.log-every=1", "checkpoint.every-steps=1", "livy.driver-memory=2g",
                "run.output=" + dir.resolve("runs"), "run.id=" + id));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** The batch id: the last line of submit's output that is a number (the client prints it alone). */
    private static int batchId(Launch.Result r) {
        List<String> lines = r.output().lines().filter(l -> l.matches("\\d+")).toList();
        assertTrue(!lines.isEmpty(), r.output());
        return Integer.parseInt(lines.get(lines.size() - 1));
    }

    private JsonNode status(String id) throws IOException {
        return JSON.readTree(dir.resolve("runs").resolve(id).resolve("status.json").toFile());
    }

    private JsonNode lastEpoch(String id) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("runs").resolve(id).resolve("metrics.jsonl"));
        JsonNode last = null;
        for (String l : lines) {
            JsonNode n = JSON.readTree(l);
            if (n.path("type").asText().equals("epoch")) {
                last = n;
            }
        }
        return last;
    }

    @Test
    @Order(1)
    void aSubmittedSearchSucceedsAndWaitExitsZero() throws Exception {
        Launch.Result s = client(env(), "submit-ok.log", 60, submit("straight"));
        assertEquals(0, s.exitCode(), s.output());
        int id = batchId(s);
        Launch.Result w = client(env(), "wait-ok.log", 300, "wait", String.valueOf(id));
        assertEquals(0, w.exitCode(), w.output());
        assertTrue(w.output().contains("epoch 2/2 step 4/4") && w.output().contains("batch " + id + " succeeded"),
                w.output());
        assertTrue(w.output().contains("status: search straight:"), "wait shows the run's status.json: " + w.output());
        Launch.Result st = client(env(), "status-ok.log", 60, "status", String.valueOf(id), "--json");
        assertEquals(0, st.exitCode(), st.output());
        JsonNode j = JSON.readTree(st.output().substring(st.output().indexOf('{')));
        assertEquals("success", j.path("batch").path("state").asText(), st.output());
        assertEquals("finished", j.path("status").path("state").asText(), st.output());
        assertTrue(Files.readString(dir.resolve("runs/straight/genotype.txt")).startsWith("Genotype(normal=["));
        JsonNode status = status("straight");
        assertEquals(8, status.path("global_step").asInt());
        assertEquals(0, status.path("exit_code").asInt());
        assertTrue(status.path("backend").asText().contains("Spark local[2]"), status.toString());
    }

    @Test
    @Order(2)
    void aKilledBatchStopsAtACheckpointAndANewBatchResumesToTheSameBits() throws Exception {
        Launch.Result s = client(env(), "submit-kill.log", 60, submit("killed"));
        assertEquals(0, s.exitCode(), s.output());
        int id = batchId(s);
        Path waitLog = dir.resolve("wait-kill.log");
        Process waiting = Launch.start(List.of(CLIENT, "wait", String.valueOf(id)), env(), waitLog);
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (true) { // kill once two steps are done (a checkpoint after each)
            Path p = dir.resolve("runs/killed/status.json");
            if (Files.exists(p) && status("killed").path("global_step").asInt() >= 2) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "the batch made no progress: " + Files.readString(waitLog));
            Thread.sleep(200);
        }
        Launch.Result k = client(env(), "kill.log", 120, "kill", String.valueOf(id));
        assertEquals(0, k.exitCode(), k.output());
        assertTrue(k.output().contains("batch " + id + " killed"), k.output());
        Launch.Result w = Launch.waitFor(waiting, waitLog, 120);
        assertEquals(75, w.exitCode(), "wait mirrors the job's SIGTERM stop: " + w.output());
        JsonNode st = status("killed");
        assertEquals("suspended", st.path("state").asText(), st.toString());
        assertEquals(75, st.path("exit_code").asInt(), st.toString());
        int stoppedAt = st.path("global_step").asInt();
        assertTrue(stoppedAt >= 2 && stoppedAt < 8, st.toString());
        assertTrue(k.output().contains("submit the same arguments again to resume"), k.output());
        assertEquals(2, client(env(), "status-gone.log", 60, "status", String.valueOf(id)).exitCode(),
                "Livy forgets a killed batch: an unknown id");

        Launch.Result again = client(env(), "submit-resume.log", 60, submit("killed", "--wait"));
        assertEquals(0, again.exitCode(), again.output());
        assertTrue(again.output().contains("resuming after step " + stoppedAt), again.output());
        assertEquals(lastEpoch("straight").path("state_sha256").asText(), lastEpoch("killed").path("state_sha256").asText(),
                "ω, α and the optimizer buffers after the resumed batch equal the straight run's");
        assertEquals(Files.readString(dir.resolve("runs/straight/genotype.json")),
                Files.readString(dir.resolve("runs/killed/genotype.json")));
        assertEquals("finished", status("killed").path("state").asText());
    }

    @Test
    @Order(3)
    void aBudgetStopEndsTheBatchDeadAndWaitExits75() throws Exception {
        Launch.Result r = client(env(), "budget.log", 300, submit("budget", "run.max-steps=1", "--wait"));
        assertEquals(75, r.exitCode(), r.output());
        assertTrue(r.output().contains("ended dead: the job exited with 75") && r.output().contains(
                "submit the same arguments again, with run.id=budget, to resume"), r.output());
        assertEquals("suspended", status("budget").path("state").asText());
    }

    @Test
    @Order(4)
    void aJarOutsideTheWhitelistIsRefusedNamingTheSetting() throws Exception {
        Map<String, String> env = env();
        Path outside = dir.resolve("elsewhere.jar");
        Files.copy(jar, outside);
        env.put("SPARKNAS_LIVY_JAR", outside.toString());
        long t0 = System.nanoTime();
        Launch.Result r = client(env, "outside.log", 60, submit("outside"));
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().contains("SPARKNAS_LIVY_JAR = " + outside) && r.output().contains("local-dir-whitelist"),
                r.output());
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "refused within seconds");
        assertTrue(Files.notExists(dir.resolve("runs/outside")), "nothing ran");

        env.put("SPARKNAS_LIVY_JAR", jar.resolveSibling("missing.jar").toString());
        Launch.Result missing = client(env, "missing.log", 60, submit("missing"));
        assertEquals(2, missing.exitCode(), missing.output());
        assertTrue(missing.output().contains("SPARKNAS_LIVY_JAR = " + jar.resolveSibling("missing.jar")
                + " does not exist"), missing.output());
    }

    @Test
    @Order(5)
    void anUnreachableServerFailsInSecondsNamingTheSetting() throws Exception {
        Map<String, String> env = env();
        env.put("SPARKNAS_LIVY_URL", "http://127.0.0.1:9");
        long t0 = System.nanoTime();
        Launch.Result r = client(env, "unreachable.log", 60, submit("nowhere"));
        assertEquals(3, r.exitCode(), r.output());
        assertTrue(r.output().contains("cannot reach the Livy server at http://127.0.0.1:9 (SPARKNAS_LIVY_URL)"),
                r.output());
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "failed within seconds");
        Launch.Result w = client(env, "unreachable-wait.log", 60, "wait", "0");
        assertEquals(3, w.exitCode(), w.output());
    }

    @Test
    @Order(6)
    void theNotebookRunsHeadlessToTheHeatMapAndTheGenotype() throws Exception {
        Map<String, String> env = env();
        env.put("SPARKNAS_RUN_OUTPUT", dir.resolve("runs").toString());
        env.put("SPARKNAS_RUN_ID", "notebook");
        env.put("SPARKNAS_CONFIG", Launch.ROOT.resolve("conf/search-fashion-mnist.conf").toString());
        env.put("SPARKNAS_DRIVER_MEMORY", "2g");
        env.put("SPARKNAS_OVERRIDES", "[\"search.epochs=1\", \"search.steps-per-epoch=2\", \"search.batch=8\","
                + " \"search.channels=4\", \"search.layers=3\", \"data.limit=128\", \"run.log-every=1\"]");
        env.put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        Path executed = dir.resolve("executed.ipynb");
        Launch.Result r = Launch.run(List.of("jupyter-nbconvert", "--to", "notebook", "--execute",
                "deploy/livy/search.ipynb", "--output", executed.toString()), env, dir.resolve("nbconvert.log"), 600);
        assertEquals(0, r.exitCode(), "jupyter-nbconvert (Debian's jupyter-nbconvert and python3-ipykernel, which"
                + " deploy/bin/test installs) failed: " + r.output());
        StringBuilder text = new StringBuilder();
        String html = null;
        for (JsonNode cell : JSON.readTree(executed.toFile()).path("cells")) {
            for (JsonNode o : cell.path("outputs")) {
                o.path("text").forEach(t -> text.append(t.asText()));
                if (o.path("data").has("text/html")) {
                    StringBuilder h = new StringBuilder();
                    o.path("data").path("text/html").forEach(t -> h.append(t.asText()));
                    html = h.toString();
                }
            }
        }
        assertTrue(text.toString().contains("batch success | finished"), text.toString());
        String genotype = Files.readString(dir.resolve("runs/notebook/genotype.txt")).strip();
        assertTrue(text.toString().contains(genotype), "the notebook prints the run's genotype: " + text);
        assertTrue(html != null && html.contains("normal cell, epoch 1") && html.contains("reduction cell, epoch 1"),
                String.valueOf(html));
        assertEquals(2 * 14, html.split("<th>edge ").length - 1, "14 edges per cell type: " + html);
    }
}
