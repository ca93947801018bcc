package ai.sparknas.driver.report;

import ai.sparknas.driver.data.CorruptDataException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The step and epoch lines of a run's {@code metrics.jsonl}, as the report needs them;
 * {@code epochEndSteps} holds the global step at which each epoch ended.
 */
public record RunHistory(List<JsonNode> steps, List<JsonNode> epochs, List<Long> epochEndSteps) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param name the file, for messages */
    public static RunHistory parse(String text, String name) throws IOException {
        List<JsonNode> steps = new ArrayList<>();
        List<JsonNode> epochs = new ArrayList<>();
        List<Long> ends = new ArrayList<>();
        long lastStep = 0;
        for (JsonNode n : lines(text, name, "it is written one line per step by the search")) {
            String type = n.path("type").asText();
            if (type.equals("step")) {
                steps.add(n);
                lastStep = n.path("global_step").asLong();
            } else if (type.equals("epoch")) {
                if (!n.has("alpha_normal") || !n.has("genotype")) {
                    throw new CorruptDataException(name + ": the line of epoch " + n.path("epoch").asText("?")
                            + " has no α or genotype");
                }
                epochs.add(n);
                ends.add(lastStep);
            }
        }
        if (epochs.isEmpty()) {
            throw new CorruptDataException(name + " holds no finished epoch (" + steps.size() + " step lines): a report"
                    + " needs at least one epoch of the search");
        }
        return new RunHistory(steps, epochs, ends);
    }

    /**
     * The JSON lines of a {@code .jsonl} file, blank lines skipped and a last line without its newline
     * left out (it is still being written, or its writer was killed mid-line); a damaged line is a
     * {@link CorruptDataException} naming the file, the line and {@code fix}.
     */
    static List<JsonNode> lines(String text, String name, String fix) throws CorruptDataException {
        List<JsonNode> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (i == lines.length - 1 && !text.endsWith("\n")) {
                break;
            }
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                out.add(JSON.readTree(lines[i]));
            } catch (IOException e) {
                throw new CorruptDataException(name + " line " + (i + 1) + " is not JSON (" + e.getMessage()
                        + "): the file is damaged; " + fix);
            }
        }
        return out;
    }
}
