package ai.sparknas.spark.livy;

import ai.sparknas.driver.run.ExitCodes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Livy's batch REST API ({@code POST /batches}, {@code GET /batches/{id}}, {@code /state},
 * {@code /log}, {@code DELETE /batches/{id}}). Every failure is a {@link LivyException} that names the
 * setting to fix: an unreachable server or an HTTP 5xx exits 3, a refused request (4xx: bad batch,
 * unknown id, credentials) exits 2.
 */
public final class LivyClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LivySettings settings;
    private final HttpClient http;

    public LivyClient(LivySettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** A batch as Livy describes it. */
    public record Batch(int id, String state, String appId, String name) {
        static Batch of(JsonNode n) {
            return new Batch(n.path("id").asInt(-1), n.path("state").asText("unknown"),
                    n.path("appId").isNull() ? null : n.path("appId").asText(), n.path("name").asText(null));
        }

        /** Whether Livy will not change the state again. */
        public boolean ended() {
            return state.equals("success") || state.equals("dead") || state.equals("killed") || state.equals("error");
        }
    }

    /** The log window: spark-submit's stdout and stderr lines as Livy keeps them. */
    public record Log(List<String> stdout, List<String> stderr) {
    }

    public Batch submit(ObjectNode request) {
        return Batch.of(send("POST", "/batches", request, -1));
    }

    public Batch batch(int id) {
        return Batch.of(send("GET", "/batches/" + id, null, id));
    }

    public Log log(int id) {
        JsonNode n = send("GET", "/batches/" + id + "/log?from=0&size=100000", null, id);
        List<String> out = new ArrayList<>();
        List<String> err = new ArrayList<>();
        List<String> into = out;
        for (JsonNode line : n.path("log")) {
            String s = line.asText();
            if (s.equals("stdout: ")) {
                into = out;
            } else if (s.equals("\nstderr: ")) {
                into = err;
            } else {
                into.add(s);
            }
        }
        return new Log(out, err);
    }

    public void kill(int id) {
        send("DELETE", "/batches/" + id, null, id);
    }

    private JsonNode send(String method, String path, ObjectNode body, int batchId) {
        URI uri = URI.create(settings.url() + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.timeout())
                .header("Content-Type", "application/json").header("Accept", "application/json");
        settings.headers().forEach((name, value) -> {
            try {
                b.header(name, value);
            } catch (IllegalArgumentException e) { // Host, Connection, Content-Length, ...: set by the client itself
                throw new LivyException(ExitCodes.CONFIG, "livy.headers / " + LivySettings.ENV_HEADERS + ": the header "
                        + name + " cannot be set (" + e.getMessage() + "); remove it");
            }
        });
        if (!settings.user().isEmpty()) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (settings.user() + ":" + settings.password()).getBytes(StandardCharsets.UTF_8)));
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new LivyException(ExitCodes.DATA, "the Livy server at " + settings.url() + " (" + settings.urlSource()
                    + ") did not answer within " + settings.timeout().toSeconds() + " s (livy.timeout): check the URL and"
                    + " that the server runs", e);
        } catch (ConnectException e) {
            throw new LivyException(ExitCodes.DATA, "cannot reach the Livy server at " + settings.url() + " ("
                    + settings.urlSource() + "): connection refused or no route; check the URL and that the server runs", e);
        } catch (IOException e) {
            throw new LivyException(ExitCodes.DATA, "cannot talk to the Livy server at " + settings.url() + " ("
                    + settings.urlSource() + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LivyException(ExitCodes.DATA, "interrupted while waiting for Livy at " + settings.url(), e);
        }
        int code = r.statusCode();
        String msg = message(r.body());
        if (code == 401 || code == 403) {
            throw new LivyException(ExitCodes.CONFIG, "Livy at " + settings.url() + " refused the request (HTTP " + code
                    + (msg.isEmpty() ? "" : ": " + msg) + "): set the credentials (" + LivySettings.ENV_USER + " or"
                    + " livy.user, and " + LivySettings.ENV_PASSWORD + ") or the headers your gateway needs (livy.headers)");
        }
        if (code == 404 && batchId >= 0) {
            throw new LivyException(ExitCodes.CONFIG, "Livy at " + settings.url() + " has no batch " + batchId
                    + (msg.isEmpty() ? "" : " (" + msg + ")") + ": check the id; Livy forgets a batch once it is killed,"
                    + " and on a restart without session recovery");
        }
        if (code == 400 && method.equals("POST")) {
            throw new LivyException(ExitCodes.CONFIG, "Livy refused the batch (" + msg + ")" + hint(msg));
        }
        if (code >= 400) {
            throw new LivyException(code >= 500 ? ExitCodes.DATA : ExitCodes.CONFIG, "Livy at " + settings.url()
                    + " answered " + method + " " + path + " with HTTP " + code + (msg.isEmpty() ? "" : ": " + msg)
                    + (code == 404 ? ": is " + settings.urlSource() + " a Livy server?" : ""));
        }
        try {
            return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new LivyException(ExitCodes.DATA, "the server at " + settings.url() + " (" + settings.urlSource()
                    + ") answered " + path + " with something that is not JSON: is it a Livy server?", e);
        }
    }

    private String hint(String msg) {
        if (msg.contains("cannot be added to user sessions")) {
            return ": " + settings.jarSource() + " = " + settings.jar() + " is a local path outside the server's"
                    + " livy.file.local-dir-whitelist; copy the jar into a whitelisted directory or onto a file system"
                    + " the server reads (hdfs:///...)";
        }
        if (msg.contains("Duplicate session name")) {
            return ": another batch has this name; give another --name";
        }
        return "";
    }

    /** Livy's {"msg": "..."} or the body itself (cut). */
    private static String message(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonNode n = JSON.readTree(body);
            if (n.has("msg")) {
                return n.get("msg").asText();
            }
        } catch (IOException e) {
            // not JSON: a proxy's page; show its start
        }
        String s = body.strip();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
