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
        int lineNo = 0;
        String[] lines = text.split("\n");
        for (String line : lines) {
            lineNo++;
            if (lineNo == lines.length && !text.endsWith("\n")) {
                break; // a line still being written (the search is running, or was killed mid-line)
            }
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new CorruptDataException(name + " line " + lineNo + " is not JSON (" + e.getMessage()
                        + "): the file is damaged; it is written one line per step by the search");
            }
            String type = n.path("type").asText();
            if (type.equals("step")) {
                steps.add(n);
                lastStep = n.path("global_step").asLong();
            } else if (type.equals("epoch")) {
                if (!n.has("alpha_normal") || !n.has("genotype")) {
                    throw new CorruptDataException(name + " line " + lineNo + ": an epoch line without α or genotype");
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
}
