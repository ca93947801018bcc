package ai.sparknas.spark.livy;

import ai.sparknas.driver.run.RunStatus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads a run's {@code status.json} (run/RunStatus) from its directory on any Hadoop file system the
 * client can reach; empty when it cannot (another host's local disk, no credentials, not written yet):
 * the client then shows what Livy says alone.
 */
final class RunStatusProbe {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RunStatusProbe() {
    }

    static Optional<JsonNode> read(String runDir) {
        if (runDir == null) {
            return Optional.empty();
        }
        try {
            Path p = new Path(new Path(runDir), RunStatus.FILE);
            FileSystem fs = p.getFileSystem(new Configuration());
            try (InputStream in = fs.open(p)) {
                return Optional.of(JSON.readTree(in));
            }
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** One line: state, position, ETA, the latest losses and accuracies, skip counts. */
    static String summary(JsonNode s) {
        JsonNode l = s.path("latest");
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s %s: %s, epoch %d/%d step %d/%d (%d of %d)",
                s.path("kind").asText("run"), s.path("run_id").asText("?"), s.path("state").asText("?"),
                s.path("epoch").asInt(), s.path("epochs").asInt(), s.path("step").asInt(), s.path("steps_per_epoch").asInt(),
                s.path("global_step").asLong(), s.path("total_steps").asLong()));
        if (s.path("state").asText().equals("running") && s.has("eta_seconds")) {
            b.append(String.format(Locale.ROOT, ", %.2f s/step, ETA %ds", s.path("seconds_per_step").asDouble(),
                    Math.round(s.path("eta_seconds").asDouble())));
        }
        for (String f : new String[] {"train_loss", "train_acc", "val_loss", "val_acc", "test_accuracy",
                "skip_connect_normal", "skip_connect_reduce"}) {
            if (l.has(f)) {
                b.append(", ").append(f).append(' ').append(l.get(f).isIntegralNumber() ? l.get(f).asText()
                        : String.format(Locale.ROOT, "%.4f", l.get(f).asDouble()));
            }
        }
        if (!s.path("exit_code").isNull() && s.has("exit_code")) {
            b.append(", exit code ").append(s.path("exit_code").asInt());
        }
        return b.toString();
    }
}
