package ai.sparknas.driver.genotype;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Recursive-descent parser for DARTS Python genotype text; use {@link GenotypeFormat#parseDartsText}.
 * <pre>
 * text   := [IDENT '='] 'Genotype' '(' field (',' field)* [','] ')'
 * field  := IDENT '=' (edges | concat)
 * edges  := '[' [ '(' STRING ',' INT [','] ')' (',' ...)* [','] ] ']'
 * concat := '[' [INT (',' INT)* [',']] ']' | ['list' '('] 'range' '(' INT [',' INT] ')' [')']
 * </pre>
 */
final class DartsTextParser {
    private static final List<String> FIELDS = List.of("normal", "normal_concat", "reduce", "reduce_concat");
    private final String text;
    private int pos;

    private DartsTextParser(String text) {
        this.text = text;
    }

    static Genotype parse(String text) {
        if (text == null) throw new IllegalArgumentException("genotype text is null");
        return new DartsTextParser(text).genotype();
    }

    @SuppressWarnings("unchecked")
    private Genotype genotype() {
        int at = skipWs();
        String name = ident("'Genotype' or a variable name");
        if (!name.equals("Genotype")) { // optional leading 'NAME = '
            expect('=');
            at = skipWs();
            name = ident("'Genotype'");
            if (!name.equals("Genotype")) throw error(at, "expected 'Genotype' but found '" + name + "'");
        }
        expect('(');
        Map<String, Object> fields = new HashMap<>();
        while (!peekIs(')')) {
            at = skipWs();
            String field = ident("a field name " + FIELDS);
            if (!FIELDS.contains(field)) throw error(at, "unknown field '" + field + "', expected one of " + FIELDS);
            expect('=');
            if (fields.put(field, field.endsWith("_concat") ? concat() : edges()) != null) {
                throw error(at, "duplicate field '" + field + "'");
            }
            if (!tryConsume(',')) break;
        }
        expect(')');
        if (skipWs() != text.length()) throw error(pos, "unexpected trailing text");
        for (String f : FIELDS) if (!fields.containsKey(f)) throw error(pos, "missing field '" + f + "'");
        return new Genotype((List<Genotype.Edge>) fields.get("normal"), (List<Integer>) fields.get("normal_concat"),
                (List<Genotype.Edge>) fields.get("reduce"), (List<Integer>) fields.get("reduce_concat"));
    }

    private List<Genotype.Edge> edges() {
        List<Genotype.Edge> edges = new ArrayList<>();
        expect('[');
        while (!peekIs(']')) {
            expect('(');
            int at = skipWs();
            String op = string();
            expect(',');
            int input = integer();
            tryConsume(',');
            expect(')');
            try {
                edges.add(new Genotype.Edge(op, input));
            } catch (IllegalArgumentException e) {
                throw error(at, e.getMessage());
            }
            if (!tryConsume(',')) break;
        }
        expect(']');
        return edges;
    }

    private List<Integer> concat() {
        List<Integer> values = new ArrayList<>();
        if (tryConsume('[')) {
            while (!peekIs(']')) {
                values.add(integer());
                if (!tryConsume(',')) break;
            }
            expect(']');
            return values;
        }
        int at = skipWs();
        String fn = ident("'[' or 'range('");
        boolean wrapped = fn.equals("list"); // list(range(a, b)) is equally valid Python
        if (wrapped) {
            expect('(');
            at = skipWs();
            fn = ident("'range'");
        }
        if (!fn.equals("range")) throw error(at, "expected a list or range(...) but found '" + fn + "'");
        expect('(');
        int start = 0, stop = integer();
        if (tryConsume(',')) {
            start = stop;
            stop = integer();
        }
        expect(')');
        if (wrapped) expect(')');
        for (int v = start; v < stop; v++) values.add(v);
        return values;
    }

    private String string() {
        int at = skipWs();
        char q = at < text.length() ? text.charAt(at) : 0;
        if (q != '\'' && q != '"') throw error(at, "expected a quoted op name");
        int end = text.indexOf(q, at + 1);
        if (end < 0) throw error(at, "unterminated string");
        pos = end + 1;
        return text.substring(at + 1, end);
    }

    private int integer() {
        int at = skipWs();
        while (pos < text.length() && pos - at < 9 && Character.isDigit(text.charAt(pos))) pos++;
        if (pos == at) throw error(at, "expected a non-negative integer");
        return Integer.parseInt(text.substring(at, pos));
    }

    private String ident(String what) {
        int at = skipWs();
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) pos++;
        if (pos == at) throw error(at, "expected " + what);
        return text.substring(at, pos);
    }

    private void expect(char c) {
        if (!tryConsume(c)) throw error(pos, "expected '" + c + "'");
    }

    private boolean tryConsume(char c) {
        boolean match = peekIs(c);
        if (match) pos++;
        return match;
    }

    private boolean peekIs(char c) {
        return skipWs() < text.length() && text.charAt(pos) == c;
    }

    private int skipWs() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
        return pos;
    }

    private IllegalArgumentException error(int at, String msg) {
        String frag = at >= text.length() ? "<end of text>"
                : "'" + text.substring(at, Math.min(text.length(), at + 30)).replace("\n", "\\n") + "'";
        return new IllegalArgumentException("cannot parse genotype text at position " + at + " near " + frag + ": " + msg);
    }
}
