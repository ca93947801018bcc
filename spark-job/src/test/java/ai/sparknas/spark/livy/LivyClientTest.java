package ai.sparknas.spark.livy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's side of Livy's API against a scripted HTTP server on loopback: what it sends (auth,
 * headers, the batch body) and how each kind of answer becomes an exit code and a message naming the
 * setting; the log window's new lines; the settings' precedence.
 */
class LivyClientTest {

    private HttpServer server;
    private final List<Map<String, String>> requests = new ArrayList<>();
    private int status = 200;
    /** Answers given in turn before the fixed {@code status}/{@code body}: {code, body}. */
    private final java.util.concurrent.ConcurrentLinkedDeque<Object[]> script = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private String body = "{}";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            Map<String, String> r = new HashMap<>();
            r.put("method", ex.getRequestMethod());
            r.put("path", ex.getRequestURI().toString());
            ex.getRequestHeaders().forEach((k, v) -> r.put(k.toLowerCase(), v.get(0)));
            r.put("body", new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            requests.add(r);
            Object[] next = script.poll();
            int code = next == null ? status : (Integer) next[0];
            byte[] b = (next == null ? body : (String) next[1]).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private LivySettings settings(Map<String, String> env, String... overrides) {
        Map<String, String> e = new HashMap<>(env);
        e.putIfAbsent(LivySettings.ENV_URL, "http://127.0.0.1:" + server.getAddress().getPort());
        return LivySettings.of(SearchConfig.load(null, List.of(overrides)).livy(), e);
    }

    @Test
    void aSubmissionCarriesTheJobTheResourcesTheFlagsAndTheCredentials() {
        body = "{\"id\": 7, \"state\": \"starting\", \"appId\": null}";
        LivySettings s = settings(Map.of(LivySettings.ENV_USER, "ana", LivySettings.ENV_PASSWORD, "pw",
                        LivySettings.ENV_HEADERS, "X-Token: abc"), "livy.jar=hdfs:///lib/app.jar",
                "livy.executor-memory=8g", "livy.num-executors=4", "livy.proxy-user=ana",
                "livy.conf=[\"spark.executor.memoryOverhead=4g\", \"spark.serializer=custom\"]");
        ObjectNode req = BatchRequest.of(s, "sparknas search r1", List.of("search", "run.id=r1"));
        LivyClient.Batch b = new LivyClient(s).submit(req);
        assertEquals(7, b.id());
        assertEquals("starting", b.state());
        Map<String, String> r = requests.get(0);
        assertEquals("POST", r.get("method"));
        assertEquals("/batches", r.get("path"));
        assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString("ana:pw".getBytes(StandardCharsets.UTF_8)),
                r.get("authorization"));
        assertEquals("abc", r.get("x-token"));
        assertEquals("sparknas", r.get("x-requested-by"));
        assertTrue(r.get("body").contains("\"file\":\"hdfs:///lib/app.jar\"") && r.get("body").contains(
                "\"className\":\"ai.sparknas.spark.SparkMain\"") && r.get("body").contains("\"args\":[\"search\",\"run.id=r1\"]")
                && r.get("body").contains("\"executorMemory\":\"8g\"") && r.get("body").contains("\"numExecutors\":4")
                && r.get("body").contains("\"proxyUser\":\"ana\""), r.get("body"));
        assertEquals("4g", req.path("conf").path("spark.executor.memoryOverhead").asText());
        assertEquals("custom", req.path("conf").path("spark.serializer").asText(), "livy.conf wins");
        assertTrue(req.path("conf").path("spark.driver.extraJavaOptions").asText().contains("--add-opens")
                && req.path("conf").path("spark.driver.extraJavaOptions").asText().contains("jdk.incubator.vector"));
        assertTrue(req.path("conf").path("spark.executor.extraJavaOptions").asText().contains("jdk.incubator.vector"));
        assertEquals(6, req.size() - 3, "file, className, name, args, 4 resources, conf: " + req);
    }

    @Test
    void eachKindOfRefusalIsAnExitCodeAndAMessageNamingTheSetting() {
        LivyClient c = new LivyClient(settings(Map.of(), "livy.jar=/opt/app.jar"));
        status = 404;
        body = "{\"msg\":\"Session '9' not found.\"}";
        LivyException e = assertThrows(LivyException.class, () -> c.batch(9));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("has no batch 9"), e.getMessage());
        status = 401;
        body = "";
        e = assertThrows(LivyException.class, () -> c.batch(9));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("SPARKNAS_LIVY_PASSWORD"), e.getMessage());
        status = 400;
        body = "{\"msg\":\"requirement failed: Local path /opt/app.jar cannot be added to user sessions.\"}";
        e = assertThrows(LivyException.class, () -> c.submit(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("livy.jar = /opt/app.jar") && e.getMessage().contains("whitelist"), e.getMessage());
        status = 500;
        body = "boom";
        e = assertThrows(LivyException.class, () -> c.batch(1));
        assertEquals(3, e.exitCode());
        assertTrue(e.getMessage().contains("HTTP 500: boom"), e.getMessage());
        status = 200;
        body = "<html>not livy</html>";
        e = assertThrows(LivyException.class, () -> c.batch(1));
        assertEquals(3, e.exitCode());
        assertTrue(e.getMessage().contains("is it a Livy server?"), e.getMessage());
    }

    @Test
    void theLogSplitsStdoutFromStderr() {
        body = "{\"id\":1,\"from\":0,\"total\":5,\"log\":[\"stdout: \",\"a\",\"b\",\"\\nstderr: \",\"c\"]}";
        LivyClient.Log log = new LivyClient(settings(Map.of())).log(1);
        assertEquals(List.of("a", "b"), log.stdout());
        assertEquals(List.of("c"), log.stderr());
        assertTrue(requests.get(0).get("path").startsWith("/batches/1/log?from=0"));
    }

    @Test
    void theFollowerReturnsOnlyNewLinesOfASlidingWindow() {
        LogFollower f = new LogFollower();
        assertEquals(List.of("1", "2", "3"), f.next(List.of("1", "2", "3")));
        assertEquals(List.of(), f.next(List.of("1", "2", "3")));
        assertEquals(List.of("4", "5"), f.next(List.of("2", "3", "4", "5"))); // "1" fell off the front
        assertEquals(List.of("9"), f.next(List.of("9")), "no overlap at all: everything is new");
    }

    @Test
    void settingsFromTheEnvironmentWinAndBadOnesNameTheirSource() {
        LivySettings s = settings(Map.of(LivySettings.ENV_JAR, "hdfs:///x.jar"), "livy.jar=/y.jar");
        assertEquals("hdfs:///x.jar", s.jar());
        assertEquals(LivySettings.ENV_JAR, s.jarSource());
        LivyException e = assertThrows(LivyException.class,
                () -> LivySettings.of(SearchConfig.load(null, List.of("livy.url=ftp://h")).livy(), Map.of()));
        assertTrue(e.getMessage().startsWith("livy.url = ftp://h is not a Livy server URL"), e.getMessage());
        e = assertThrows(LivyException.class, () -> LivySettings.of(SearchConfig.load(null, List.of()).livy(),
                Map.of(LivySettings.ENV_USER, "bob")));
        assertTrue(e.getMessage().contains("no password: set SPARKNAS_LIVY_PASSWORD"), e.getMessage());
        e = assertThrows(LivyException.class, () -> LivySettings.of(SearchConfig.load(null,
                List.of("livy.headers=[\"no colon\"]")).livy(), Map.of()));
        assertTrue(e.getMessage().contains("\"no colon\" is not a header"), e.getMessage());
        e = assertThrows(LivyException.class, () -> BatchRequest.of(settings(Map.of()), "n", List.of("search")));
        assertTrue(e.getMessage().contains("set SPARKNAS_LIVY_JAR or livy.jar"), e.getMessage());
    }

    @Test
    void submitFixesTheRunIdMakesTheOutputAbsoluteAndKeepsLivyKeysToItself() throws Exception {
        body = "{\"id\": 3, \"state\": \"starting\"}";
        Map<String, String> oldEnv = LivyMain.env;
        java.io.PrintStream oldOut = LivyMain.out;
        java.io.PrintStream oldErr = LivyMain.err;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        try {
            LivyMain.env = Map.of(LivySettings.ENV_URL, "http://127.0.0.1:" + server.getAddress().getPort(),
                    LivySettings.ENV_JAR, "hdfs:///lib/app.jar");
            LivyMain.out = new java.io.PrintStream(out, true, StandardCharsets.UTF_8);
            LivyMain.err = new java.io.PrintStream(err, true, StandardCharsets.UTF_8);
            int code = LivyMain.run("submit", "retrain", "--genotype", "DARTS_V2", "run.output=rel/runs",
                    "livy.executor-memory=3g", "retrain.epochs=1");
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        } finally {
            LivyMain.env = oldEnv;
            LivyMain.out = oldOut;
            LivyMain.err = oldErr;
        }
        assertEquals("3", out.toString(StandardCharsets.UTF_8).strip(), "the batch id alone on stdout");
        var sent = new com.fasterxml.jackson.databind.ObjectMapper().readTree(requests.get(0).get("body"));
        List<String> args = new ArrayList<>();
        sent.path("args").forEach(a -> args.add(a.asText()));
        String abs = java.nio.file.Path.of("rel/runs").toAbsolutePath().normalize().toString();
        assertEquals(List.of("retrain", "--genotype", "DARTS_V2", "run.output=rel/runs", "retrain.epochs=1"),
                args.subList(0, 5));
        assertEquals("run.output=" + abs, args.get(5), "a relative local output is made absolute (the last wins)");
        assertTrue(args.get(6).matches("run\\.id=retrain-\\d{8}-\\d{6}"), args.toString());
        assertTrue(args.stream().noneMatch(a -> a.startsWith("livy.")), "livy.* keys stay with the client: " + args);
        assertEquals("3g", sent.path("executorMemory").asText());
        assertTrue(sent.path("name").asText().startsWith("sparknas retrain retrain-"), sent.toString());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("run directory " + abs + "/retrain-"),
                err.toString(StandardCharsets.UTF_8));
    }

    private static final String LOG_75 = "{\"log\":[\"stdout: \",\"run directory x\",\"\\nstderr: \"]}";

    private int follow(java.nio.file.Path runDir, String... more) {
        List<String> o = new ArrayList<>(List.of("livy.poll-initial=100ms", "livy.poll-max=200ms"));
        o.addAll(List.of(more));
        LivySettings s = settings(Map.of(), o.toArray(String[]::new));
        java.io.PrintStream oldErr = LivyMain.err;
        java.io.PrintStream oldOut = LivyMain.out;
        try {
            LivyMain.err = new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            LivyMain.out = LivyMain.err;
            return new LivyMain.Follow(new LivyClient(s), s, 1, runDir == null ? null : runDir.toString(), null).run();
        } finally {
            LivyMain.err = oldErr;
            LivyMain.out = oldOut;
        }
    }

    @Test
    void waitRidesOutATransientServerErrorAndTrustsOnlyItsOwnLaunchsStatus(@org.junit.jupiter.api.io.TempDir
                                                                            java.nio.file.Path dir) throws Exception {
        script.add(new Object[] {200, "{\"id\":1,\"state\":\"running\",\"name\":\"b1\"}"});
        script.add(new Object[] {200, "{\"log\":[\"stdout: \",\"\\nstderr: \"]}"});
        script.add(new Object[] {503, "{\"msg\":\"restarting\"}"});
        script.add(new Object[] {200, "{\"id\":1,\"state\":\"running\",\"name\":\"b1\"}"});
        script.add(new Object[] {200, "{\"log\":[\"stdout: \",\"epoch 1/1 step 1/2\",\"\\nstderr: \"]}"});
        script.add(new Object[] {200, "{\"id\":1,\"state\":\"success\",\"name\":\"b1\"}"});
        script.add(new Object[] {200, "{\"log\":[\"stdout: \",\"epoch 1/1 step 1/2\",\"done\",\"\\nstderr: \"]}"});
        assertEquals(0, follow(null), "one 503 is ridden out");

        // a dead batch without an exit line: status.json decides, but only the batch's own (app_name = its name)
        java.nio.file.Files.writeString(dir.resolve("status.json"),
                "{\"state\":\"suspended\",\"exit_code\":75,\"run_id\":\"r\",\"app_name\":\"an earlier batch\"}");
        status = 200;
        script.add(new Object[] {200, "{\"id\":1,\"state\":\"dead\",\"name\":\"b2\"}"});
        body = "{\"log\":[\"stdout: \",\"\\nstderr: \"]}";
        assertEquals(LivyMain.EXIT_BATCH_FAILED, follow(dir), "an earlier launch's status.json is not this batch's");
        java.nio.file.Files.writeString(dir.resolve("status.json"),
                "{\"state\":\"suspended\",\"exit_code\":75,\"run_id\":\"r\",\"app_name\":\"b2\"}");
        script.add(new Object[] {200, "{\"id\":1,\"state\":\"dead\",\"name\":\"b2\"}"});
        assertEquals(75, follow(dir));

        // the server goes down for good: give up after the retries, exit 3
        script.add(new Object[] {200, "{\"id\":1,\"state\":\"running\",\"name\":\"b3\"}"});
        script.add(new Object[] {200, "{\"log\":[]}"});
        status = 500;
        body = "down";
        long t0 = System.nanoTime();
        assertEquals(3, assertThrows(LivyException.class, () -> follow(null)).exitCode());
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "4 pauses of poll-max");
        // a server that never answered: at once
        t0 = System.nanoTime();
        assertEquals(3, assertThrows(LivyException.class, () -> follow(null)).exitCode());
        assertTrue((System.nanoTime() - t0) / 1e9 < 2, "no retries for a server that never answered");
    }

    @Test
    void aHeaderTheHttpClientSetsItselfIsAConfigError() {
        LivyException e = assertThrows(LivyException.class, () -> new LivyClient(settings(Map.of(),
                "livy.headers=[\"Host: gateway\"]")).batch(1));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("the header Host cannot be set"), e.getMessage());
    }
}
