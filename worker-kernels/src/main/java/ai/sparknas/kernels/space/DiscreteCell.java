package ai.sparknas.kernels.space;

import java.util.List;

/**
 * One cell of a derived architecture (DARTS {@code model.py} Cell): intermediate node i sums
 * {@code ops[2i](states[inputs[2i]])} and {@code ops[2i+1](states[inputs[2i+1]])}, where states 0 and 1
 * are the cell's two inputs and state {@code 2 + i} is node i; the output concatenates the states in
 * {@code concat} along channels.
 *
 * @param ops    two operations per node, in node order (never {@code none})
 * @param inputs the state each operation reads, {@code < 2 + node}
 * @param concat the states concatenated into the output, each an intermediate node ({@code >= 2})
 */
public record DiscreteCell(List<Primitive> ops, List<Integer> inputs, List<Integer> concat) {

    /** @throws IllegalArgumentException naming the entry that does not fit */
    public DiscreteCell {
        ops = List.copyOf(ops);
        inputs = List.copyOf(inputs);
        concat = List.copyOf(concat);
        if (ops.isEmpty() || ops.size() % 2 != 0) {
            throw new IllegalArgumentException("a cell needs two (op, input) entries per node, got " + ops.size()
                    + " entries");
        }
        if (inputs.size() != ops.size()) {
            throw new IllegalArgumentException(ops.size() + " ops but " + inputs.size() + " inputs");
        }
        for (int e = 0; e < ops.size(); e++) {
            int node = e / 2;
            if (ops.get(e) == Primitive.NONE) {
                throw new IllegalArgumentException("entry " + e + " (node " + node + ") is 'none', which a derived cell"
                        + " never keeps");
            }
            int in = inputs.get(e);
            if (in < 0 || in >= node + 2) {
                throw new IllegalArgumentException("entry " + e + " (" + ops.get(e).dartsName() + ", " + in + ") of node "
                        + node + " reads state " + in + ": node " + node + " can read states 0.." + (node + 1));
            }
        }
        if (concat.isEmpty()) {
            throw new IllegalArgumentException("the concat list is empty");
        }
        for (int s : concat) {
            if (s < 2 || s >= nodesOf(ops) + 2) {
                throw new IllegalArgumentException("concat state " + s + " is not an intermediate node (2.."
                        + (nodesOf(ops) + 1) + ")");
            }
        }
    }

    private static int nodesOf(List<Primitive> ops) {
        return ops.size() / 2;
    }

    /** Intermediate nodes of the cell. */
    public int nodes() {
        return ops.size() / 2;
    }
}
