package ai.sparknas.spark.livy;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.run.ExitCodes;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the client reaches Livy and what it asks for: the {@code livy.*} keys, with the environment
 * winning for the server and credentials ({@code SPARKNAS_LIVY_URL}, {@code SPARKNAS_LIVY_USER},
 * {@code SPARKNAS_LIVY_PASSWORD} (only there), {@code SPARKNAS_LIVY_HEADERS}, {@code SPARKNAS_LIVY_JAR}).
 *
 * @param urlSource where the URL came from, for messages ({@code livy.url} or the variable)
 */
public record LivySettings(URI url, String urlSource, String user, String password, Map<String, String> headers,
                           String jar, String jarSource, SearchConfig.Livy keys) {

    public static final String ENV_URL = "SPARKNAS_LIVY_URL";
    public static final String ENV_USER = "SPARKNAS_LIVY_USER";
    public static final String ENV_PASSWORD = "SPARKNAS_LIVY_PASSWORD";
    public static final String ENV_HEADERS = "SPARKNAS_LIVY_HEADERS";
    public static final String ENV_JAR = "SPARKNAS_LIVY_JAR";

    public static LivySettings of(SearchConfig.Livy k, Map<String, String> env) {
        boolean envUrl = notBlank(env.get(ENV_URL));
        String urlSource = envUrl ? ENV_URL : "livy.url";
        URI url = url(envUrl ? env.get(ENV_URL).strip() : k.url(), urlSource);
        String user = notBlank(env.get(ENV_USER)) ? env.get(ENV_USER) : k.user();
        String password = env.getOrDefault(ENV_PASSWORD, "");
        if (!user.isEmpty() && password.isEmpty()) {
            throw new LivyException(ExitCodes.CONFIG, "a Livy user is set (" + (notBlank(env.get(ENV_USER)) ? ENV_USER
                    : "livy.user") + " = " + user + ") but no password: set " + ENV_PASSWORD);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Requested-By", "sparknas"); // Livy's CSRF protection wants it on POST and DELETE
        List<String> lines = new ArrayList<>(k.headers());
        if (notBlank(env.get(ENV_HEADERS))) {
            lines.addAll(List.of(env.get(ENV_HEADERS).split("\\R")));
        }
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.substring(0, colon).strip().chars().anyMatch(c -> c <= ' ' || c >= 127)) {
                throw new LivyException(ExitCodes.CONFIG, "livy.headers / " + ENV_HEADERS + ": \"" + line
                        + "\" is not a header: write it as Name: value");
            }
            headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
        boolean envJar = notBlank(env.get(ENV_JAR));
        return new LivySettings(url, urlSource, user, password, headers, envJar ? env.get(ENV_JAR).strip() : k.jar(),
                envJar ? ENV_JAR : "livy.jar", k);
    }

    static URI url(String text, String source) {
        try {
            URI u = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
                throw new URISyntaxException(text, "not an http(s) URL with a host");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new LivyException(ExitCodes.CONFIG, source + " = " + text + " is not a Livy server URL ("
                    + e.getReason() + "): give it as http://host:8998", e);
        }
    }

    /** Whether the server is on this machine (then a local jar path can be checked here). */
    boolean loopback() {
        String h = url.getHost();
        return h.equals("127.0.0.1") || h.equalsIgnoreCase("localhost") || h.equals("[::1]") || h.equals("::1");
    }

    Duration timeout() {
        return keys.timeout().isZero() ? Duration.ofSeconds(20) : keys.timeout();
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
