package ai.sparknas.driver.genotype;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static ai.sparknas.driver.genotype.GenotypeDerivation.DEFAULT_OPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenotypeFormatTest {
    static final String V2_TEXT = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
            + "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
            + "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
            + "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], "
            + "reduce_concat=[2, 3, 4, 5])";

    static IllegalArgumentException parseError(String text) {
        return assertThrows(IllegalArgumentException.class, () -> GenotypeFormat.parseDartsText(text));
    }

    static void assertMessage(IllegalArgumentException ex, String... parts) {
        for (String p : parts) assertTrue(ex.getMessage().contains(p), "'" + p + "' not in: " + ex.getMessage());
    }

    @Test
    void dartsTextIsExactPythonRepr() {
        String text = GenotypeFormat.toDartsText(Genotypes.DARTS_V2);
        assertEquals(V2_TEXT, text);
        assertTrue(text.contains("normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)"));
        assertEquals(text, Genotypes.DARTS_V2.toString());
    }

    @Test
    void dartsTextRoundTrips() {
        for (Genotype g : List.of(Genotypes.DARTS_V1, Genotypes.DARTS_V2)) {
            assertEquals(g, GenotypeFormat.parseDartsText(GenotypeFormat.toDartsText(g)));
        }
    }

    @Test
    void referenceVariantsParse() {
        String quark0Style = "DARTS_V2 = Genotype(normal=[(\"sep_conv_3x3\", 0), (\"sep_conv_3x3\", 1), "
                + "('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), "
                + "('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6),\n"
                + "    reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1),\n"
                + "\t('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)],"
                + " reduce_concat=list(range(2,6)))\n";
        assertEquals(Genotypes.DARTS_V2, GenotypeFormat.parseDartsText(quark0Style));
    }

    @Test
    void rangeConcatExpands() {
        Genotype g = GenotypeFormat.parseDartsText(
                "Genotype(normal=[], normal_concat=range(2, 6), reduce=[], reduce_concat=range(3))");
        assertEquals(List.of(2, 3, 4, 5), g.normalConcat());
        assertEquals(List.of(0, 1, 2), g.reduceConcat());
    }

    @Test
    void multilineTrailingCommasAndAnyFieldOrderParse() {
        String text = "NASNet = Genotype(\n  reduce_concat = [2, 3, 4, 5],\n  normal = [\n    ('sep_conv_3x3', 1),\n"
                + "    ('skip_connect', 0,),\n  ],\n  reduce = [('max_pool_3x3', 0)],\n  normal_concat = [2,],\n)";
        Genotype g = GenotypeFormat.parseDartsText(text);
        assertEquals(List.of(new Genotype.Edge("sep_conv_3x3", 1), new Genotype.Edge("skip_connect", 0)), g.normal());
        assertEquals(List.of(2), g.normalConcat());
        assertEquals(List.of(new Genotype.Edge("max_pool_3x3", 0)), g.reduce());
        assertEquals(List.of(2, 3, 4, 5), g.reduceConcat());
    }

    @Test
    void garbledTextGivesPositionedErrors() {
        // missing comma inside a tuple
        assertMessage(parseError("Genotype(normal=[('sep_conv_3x3' 0)], normal_concat=[2], reduce=[], reduce_concat=[2])"),
                "position 33", "'0)]", "expected ','");
        assertMessage(parseError("Genotype(normal=[('sep_conv_3x3, 0)], normal_concat=[2])"), "unterminated string");
        assertMessage(parseError("Genotype(normal=[], normal_concat=[2], reduce=[])"), "missing field 'reduce_concat'");
        assertMessage(parseError("Genotype(normal=[], normal_concat=[2], reduce=[], reduce_concat=[2], extra=[])"),
                "unknown field 'extra'");
        assertMessage(parseError("Genotype(normal=[], normal=[], normal_concat=[2], reduce=[], reduce_concat=[2])"),
                "duplicate field 'normal'");
        assertMessage(parseError(V2_TEXT + " junk"), "unexpected trailing text", "'junk'");
        assertMessage(parseError("Genotype(normal=[], normal_concat=xrange(2, 6), reduce=[], reduce_concat=[2])"),
                "found 'xrange'");
        assertMessage(parseError("Genotype(normal=[('sep_conv_3x3', -1)], normal_concat=[2], reduce=[], reduce_concat=[2])"),
                "expected a non-negative integer", "'-1)]");
        assertMessage(parseError("Foo(normal=[])"), "expected '='");
        assertMessage(parseError("X = Foo(normal=[])"), "expected 'Genotype' but found 'Foo'");
        assertMessage(parseError(""), "<end of text>");
        assertMessage(parseError("Genotype(normal=[('has space', 0)], normal_concat=[2], reduce=[], reduce_concat=[2])"),
                "invalid op name: 'has space'");
        assertThrows(IllegalArgumentException.class, () -> GenotypeFormat.parseDartsText(null));
    }

    @Test
    void unknownOpIsNamedWithKnownOps() {
        String text = V2_TEXT.replace("('dil_conv_3x3', 2)", "('conv_9x9', 2)");
        assertEquals(Genotypes.DARTS_V2, GenotypeFormat.parseDartsText(V2_TEXT, DEFAULT_OPS));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> GenotypeFormat.parseDartsText(text, DEFAULT_OPS));
        assertMessage(ex, "unknown op 'conv_9x9'", "normal edge 7", "known ops: [none, max_pool_3x3");
    }

    @Test
    void jsonHasExpectedShapeAndRoundTrips() throws Exception {
        String json = GenotypeFormat.toJson(Genotypes.DARTS_V2);
        JsonNode root = new ObjectMapper().readTree(json);
        assertEquals("sep_conv_3x3", root.get("normal").get(0).get("op").asText());
        assertEquals(2, root.get("normal").get(7).get("input").asInt());
        assertEquals("[2,3,4,5]", root.get("normal_concat").toString());
        assertEquals("{\"op\":\"max_pool_3x3\",\"input\":0}", root.get("reduce").get(0).toString());
        assertEquals(4, root.size());
        assertTrue(json.contains("\n"), "pretty-printed");
        assertEquals(Genotypes.DARTS_V2, GenotypeFormat.fromJson(json));
        assertEquals(Genotypes.DARTS_V1, GenotypeFormat.fromJson(GenotypeFormat.toJson(Genotypes.DARTS_V1)));
    }

    @Test
    void badJsonIsRejected() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> GenotypeFormat.fromJson("{\"normal\": [")),
                "malformed genotype JSON");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> GenotypeFormat.fromJson("{\"normal\":[],\"normal_concat\":[2],\"reduce\":[]}")), "'reduce_concat'");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> GenotypeFormat.fromJson(
                "{\"normal\":[{\"op\":\"skip_connect\",\"input\":\"0\"}],\"normal_concat\":[],\"reduce\":[],\"reduce_concat\":[]}")),
                "normal[0]");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> GenotypeFormat.fromJson("[]")), "must be an object");
    }

    @Test
    void genotypeValidatesAndCopies() {
        List<Genotype.Edge> edges = new ArrayList<>(List.of(new Genotype.Edge("skip_connect", 0)));
        Genotype g = new Genotype(edges, List.of(2), List.of(), List.of(2));
        edges.clear();
        assertEquals(1, g.normal().size(), "defensive copy");
        assertThrows(UnsupportedOperationException.class, () -> g.normal().clear());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new Genotype.Edge("skip_connect", -1)), ">= 0");
        assertThrows(IllegalArgumentException.class, () -> new Genotype.Edge("it's", 0));
        assertThrows(IllegalArgumentException.class, () -> new Genotype(null, List.of(), List.of(), List.of()));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new Genotype(List.of(), List.of(-2), List.of(), List.of())), "normal_concat[0]");
    }
}
