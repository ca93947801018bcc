package ai.sparknas.driver.genotype;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Text forms of a {@link Genotype}: the DARTS Python namedtuple text (as quark0/darts prints it
 * and stores it in {@code genotypes.py}) and JSON of the shape
 * {@code {"normal":[{"op":"sep_conv_3x3","input":0},...],"normal_concat":[2,3,4,5],"reduce":[...],"reduce_concat":[...]}}.
 */
public final class GenotypeFormat {
    // A tree model rather than record binding keeps Jackson annotations out of the value type.
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private GenotypeFormat() {
    }

    /**
     * @return the Python {@code repr} of the DARTS namedtuple, e.g. {@code Genotype(normal=[('sep_conv_3x3', 0),
     *         ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])}
     */
    public static String toDartsText(Genotype g) {
        return "Genotype(normal=" + edgesText(g.normal()) + ", normal_concat=" + g.normalConcat()
                + ", reduce=" + edgesText(g.reduce()) + ", reduce_concat=" + g.reduceConcat() + ")";
    }

    private static String edgesText(List<Genotype.Edge> edges) {
        return edges.stream().map(e -> "('" + e.op() + "', " + e.input() + ")").collect(Collectors.joining(", ", "[", "]"));
    }

    /**
     * Parses DARTS genotype text: the output of {@link #toDartsText}, plus {@code range(2, 6)} and
     * {@code list(range(2, 6))} concats, double quotes, trailing commas, any whitespace/newlines,
     * any field order and an optional leading {@code NAME = }.
     *
     * @throws IllegalArgumentException on malformed text, giving the position and the fragment there
     */
    public static Genotype parseDartsText(String text) {
        return DartsTextParser.parse(text);
    }

    /**
     * {@link #parseDartsText(String)}, then {@link #checkOps}.
     *
     * @throws IllegalArgumentException on malformed text or an op not in {@code knownOps}
     */
    public static Genotype parseDartsText(String text, List<String> knownOps) {
        return checkOps(parseDartsText(text), knownOps);
    }

    /**
     * @return {@code g}, once every op in it is found in {@code knownOps}
     * @throws IllegalArgumentException naming the unknown op, where it is, and the known ops
     */
    public static Genotype checkOps(Genotype g, List<String> knownOps) {
        for (boolean reduce : new boolean[] {false, true}) {
            List<Genotype.Edge> edges = g.edges(reduce);
            for (int i = 0; i < edges.size(); i++) {
                if (!knownOps.contains(edges.get(i).op())) {
                    throw new IllegalArgumentException("unknown op '" + edges.get(i).op() + "' in "
                            + (reduce ? "reduce" : "normal") + " edge " + i + "; known ops: " + knownOps);
                }
            }
        }
        return g;
    }

    /** @return pretty-printed JSON of the shape given in the class doc */
    public static String toJson(Genotype g) {
        ObjectNode root = MAPPER.createObjectNode();
        for (boolean reduce : new boolean[] {false, true}) {
            String cell = reduce ? "reduce" : "normal";
            ArrayNode edges = root.putArray(cell);
            g.edges(reduce).forEach(e -> edges.addObject().put("op", e.op()).put("input", e.input()));
            root.set(cell + "_concat", MAPPER.valueToTree(reduce ? g.reduceConcat() : g.normalConcat()));
        }
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize genotype", e); // unreachable for an in-memory tree
        }
    }

    /**
     * Reads JSON as written by {@link #toJson}; unknown fields are ignored.
     *
     * @throws IllegalArgumentException on malformed JSON or a missing/mistyped field, naming it
     */
    public static Genotype fromJson(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json == null ? "" : json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed genotype JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("genotype JSON must be an object");
        return new Genotype(edges(root, "normal"), ints(root, "normal_concat"), edges(root, "reduce"), ints(root, "reduce_concat"));
    }

    private static JsonNode array(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isArray()) throw new IllegalArgumentException("genotype JSON: '" + field + "' must be an array");
        return n;
    }

    private static List<Genotype.Edge> edges(JsonNode root, String field) {
        List<Genotype.Edge> edges = new ArrayList<>();
        JsonNode arr = array(root, field);
        for (int i = 0; i < arr.size(); i++) {
            JsonNode op = arr.get(i).path("op"), input = arr.get(i).path("input");
            if (!op.isTextual() || !input.isInt()) {
                throw new IllegalArgumentException("genotype JSON: " + field + "[" + i
                        + "] must be {\"op\": string, \"input\": int}, got " + arr.get(i));
            }
            edges.add(new Genotype.Edge(op.asText(), input.asInt()));
        }
        return edges;
    }

    private static List<Integer> ints(JsonNode root, String field) {
        List<Integer> values = new ArrayList<>();
        JsonNode arr = array(root, field);
        for (int i = 0; i < arr.size(); i++) {
            if (!arr.get(i).isInt()) {
                throw new IllegalArgumentException("genotype JSON: " + field + "[" + i + "] must be an int, got " + arr.get(i));
            }
            values.add(arr.get(i).asInt());
        }
        return values;
    }
}
