package ai.sparknas.driver.genotype;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A DARTS genotype: per cell type (normal, reduce) the kept edges, two per intermediate node in
 * node order, and the states concatenated into the cell output. State indices follow DARTS:
 * 0 = s0 (cell k-2), 1 = s1 (cell k-1), 2.. = intermediate nodes. Lists are copied unmodifiable.
 *
 * @param normal       edges of the normal cell
 * @param normalConcat states concatenated into the normal cell output
 * @param reduce       edges of the reduction cell
 * @param reduceConcat states concatenated into the reduction cell output
 */
public record Genotype(List<Edge> normal, List<Integer> normalConcat,
                       List<Edge> reduce, List<Integer> reduceConcat) {

    /** @throws IllegalArgumentException on a null list, null element or negative concat index */
    public Genotype {
        normal = copy(normal, "normal");
        normalConcat = copy(normalConcat, "normal_concat");
        reduce = copy(reduce, "reduce");
        reduceConcat = copy(reduceConcat, "reduce_concat");
    }

    /**
     * One kept edge: operation {@code op} applied to input state {@code input}.
     *
     * @param op    op name of letters, digits, '_', '.', '-' (so it always round-trips as Python text)
     * @param input input state index, {@code >= 0}
     */
    public record Edge(String op, int input) {
        private static final Pattern OP_NAME = Pattern.compile("[A-Za-z0-9_.\\-]+");

        /** @throws IllegalArgumentException on a malformed op name or negative input */
        public Edge {
            if (op == null || !OP_NAME.matcher(op).matches()) {
                throw new IllegalArgumentException("invalid op name: " + (op == null ? "null" : "'" + op + "'"));
            }
            if (input < 0) throw new IllegalArgumentException("edge input must be >= 0, got " + input + " for '" + op + "'");
        }
    }

    private static <T> List<T> copy(List<T> list, String field) {
        if (list == null) throw new IllegalArgumentException(field + " must not be null");
        for (int i = 0; i < list.size(); i++) {
            T v = list.get(i);
            if (v == null || (v instanceof Integer n && n < 0)) {
                throw new IllegalArgumentException(field + "[" + i + "] must be non-null and non-negative, got " + v);
            }
        }
        return List.copyOf(list);
    }

    /** @return the reduction cell's edges if {@code reduceCell}, else the normal cell's */
    public List<Edge> edges(boolean reduceCell) {
        return reduceCell ? reduce : normal;
    }

    /** @return {@link GenotypeFormat#toDartsText(Genotype)}, the familiar DARTS log line */
    @Override
    public String toString() {
        return GenotypeFormat.toDartsText(this);
    }
}
