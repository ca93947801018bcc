package ai.sparknas.driver.retrain;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.DataFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Where a result came from, in the manner of Tribuo's provenance: the SHA-256 of the resolved config
 * and of every data file as stored (compressed bytes for .gz), so that a result can be traced to the
 * exact inputs that produced it.
 */
public final class Provenance {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Provenance() {
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** {"train": [{"path", "bytes", "sha256"}, ..], "test": [..]} of the config's training and test files. */
    public static ObjectNode dataFiles(SearchConfig cfg, DataFiles files) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        SearchConfig.Data d = cfg.data();
        SearchConfig.Data t = cfg.testData();
        out.set("train", list(d.isCifar() ? d.cifarFiles() : List.of(d.trainImages(), d.trainLabels()), files));
        out.set("test", list(t.isCifar() ? t.cifarFiles() : List.of(t.trainImages(), t.trainLabels()), files));
        return out;
    }

    private static ArrayNode list(List<String> paths, DataFiles files) throws IOException {
        ArrayNode a = JSON.createArrayNode();
        for (String p : paths) {
            MessageDigest md = digest();
            long bytes = 0;
            try (InputStream in = files.open(p).open()) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                    bytes += n;
                }
            }
            a.addObject().put("path", p).put("bytes", bytes).put("sha256", HexFormat.of().formatHex(md.digest()));
        }
        return a;
    }

    /** The SHA-256 of the config as rendered into the run directory's config.conf. */
    public static String configDigest(SearchConfig cfg) {
        return sha256((cfg.render() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
