package ai.sparknas.driver.genotype;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Derives a discrete {@link Genotype} from architecture weights α by the DARTS {@code _parse} rule
 * (quark0/darts {@code model_search.py}).
 *
 * <p><b>Layout.</b> A cell has {@code nodes} intermediate nodes; node {@code i} (0-based) has
 * {@code i + 2} predecessors {@code j} (0 = s0, 1 = s1, 2.. = earlier nodes). Edge {@code (i, j)} is
 * α row {@code i(i+3)/2 + j}, so α has {@code nodes(nodes+3)/2} rows (14 for 4 nodes) and one
 * column per op, in op-list order.
 *
 * <p><b>Rule</b>, per cell type:
 * <ol>
 *   <li>{@code W = softmax(α)} row by row;</li>
 *   <li>score predecessor {@code j} of node {@code i} by {@code max over k != none of W[row(i,j)][k]};</li>
 *   <li>keep the 2 best predecessors, stable-sorted by descending score (ties: smaller {@code j} first);</li>
 *   <li>for each kept {@code j}, in that order, emit {@code (best non-none op, j)}
 *       (ties: smaller op index).</li>
 * </ol>
 * That gives {@code 2·nodes} edges per cell type and concat {@code [2, ..., nodes+1]}. If the op
 * list has no {@code "none"}, all ops count.
 */
public final class GenotypeDerivation {

    /** The DARTS search-space primitives, in α column order. */
    public static final List<String> DEFAULT_OPS = List.of("none", "max_pool_3x3", "avg_pool_3x3",
            "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5");

    /** The DARTS default number of intermediate nodes per cell. */
    public static final int DEFAULT_NODES = 4;

    private GenotypeDerivation() {
    }

    /** @return the number of α rows (edges) of a cell with {@code nodes} intermediate nodes */
    public static int rowCount(int nodes) {
        return nodes * (nodes + 3) / 2;
    }

    /** @return the α row of the edge from predecessor {@code j} into node {@code i} */
    public static int rowIndex(int i, int j) {
        return i * (i + 3) / 2 + j;
    }

    /** @return the DARTS concat list {@code [2, ..., nodes+1]} */
    public static List<Integer> concat(int nodes) {
        return IntStream.range(2, nodes + 2).boxed().toList();
    }

    /** {@link #derive(double[][], double[][], List, int)} with {@link #DEFAULT_OPS} and 4 nodes. */
    public static Genotype derive(double[][] alphaNormal, double[][] alphaReduce) {
        return derive(alphaNormal, alphaReduce, DEFAULT_OPS, DEFAULT_NODES);
    }

    /**
     * Applies the rule in the class doc to both cell types.
     *
     * @throws IllegalArgumentException on a wrong α shape, a NaN/infinite entry or a bad op list;
     *                                  the message names the cell type and row
     */
    public static Genotype derive(double[][] alphaNormal, double[][] alphaReduce, List<String> ops, int nodes) {
        return new Genotype(deriveCell(alphaNormal, ops, nodes, "normal"), concat(nodes),
                deriveCell(alphaReduce, ops, nodes, "reduce"), concat(nodes));
    }

    /**
     * Applies the rule in the class doc to one cell.
     *
     * @param alpha raw (pre-softmax) weights, {@code rowCount(nodes)} rows of {@code ops.size()}
     * @return {@code 2·nodes} edges: two per node in node order, the better predecessor first
     * @throws IllegalArgumentException on a wrong α shape, a NaN/infinite entry or a bad op list
     */
    public static List<Genotype.Edge> deriveCell(double[][] alpha, List<String> ops, int nodes) {
        return deriveCell(alpha, ops, nodes, "cell");
    }

    private static List<Genotype.Edge> deriveCell(double[][] alpha, List<String> ops, int nodes, String cell) {
        validate(alpha, ops, nodes, cell);
        int none = ops.indexOf("none"); // -1 when absent: then no column is excluded
        List<Genotype.Edge> edges = new ArrayList<>(2 * nodes);
        for (int i = 0; i < nodes; i++) {
            double[] score = new double[i + 2];
            int[] bestOp = new int[i + 2];
            for (int j = 0; j < i + 2; j++) {
                double[] w = softmax(alpha[rowIndex(i, j)]);
                for (int k = 0, best = -1; k < w.length; k++) {
                    // strict '>' keeps the smaller op index on ties, as DARTS does
                    if (k != none && (best < 0 || w[k] > w[best])) bestOp[j] = best = k;
                }
                score[j] = w[bestOp[j]];
            }
            // List.sort is stable like Python's sorted(): equal scores keep ascending j
            List<Integer> order = new ArrayList<>(IntStream.range(0, i + 2).boxed().toList());
            order.sort((a, b) -> Double.compare(score[b], score[a]));
            for (int j : order.subList(0, 2)) edges.add(new Genotype.Edge(ops.get(bestOp[j]), j));
        }
        return List.copyOf(edges);
    }

    private static void validate(double[][] alpha, List<String> ops, int nodes, String cell) {
        if (nodes < 1) throw new IllegalArgumentException("nodes must be >= 1, got " + nodes);
        if (ops == null || ops.stream().anyMatch(Objects::isNull) || ops.stream().allMatch("none"::equals)) {
            throw new IllegalArgumentException("op list must be non-null with an op other than 'none': " + ops);
        }
        if (alpha == null || alpha.length != rowCount(nodes)) {
            throw new IllegalArgumentException(cell + " alpha has " + (alpha == null ? "no (null)" : alpha.length)
                    + " rows, expected " + rowCount(nodes) + " for " + nodes + " nodes");
        }
        for (int r = 0; r < alpha.length; r++) {
            if (alpha[r] == null || alpha[r].length != ops.size()) {
                throw new IllegalArgumentException(cell + " alpha row " + r + " has "
                        + (alpha[r] == null ? "no (null)" : alpha[r].length) + " values, expected " + ops.size() + " (one per op)");
            }
            for (int k = 0; k < ops.size(); k++) {
                if (!Double.isFinite(alpha[r][k])) {
                    throw new IllegalArgumentException(cell + " alpha row " + r + " column " + k
                            + " (" + ops.get(k) + ") is " + alpha[r][k]);
                }
            }
        }
    }

    /** Softmax shifted by the row max, so large α cannot overflow {@code exp}. */
    public static double[] softmax(double[] row) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : row) max = Math.max(max, v);
        double[] w = new double[row.length];
        for (int k = 0; k < row.length; k++) sum += w[k] = Math.exp(row[k] - max);
        for (int k = 0; k < row.length; k++) w[k] /= sum;
        return w;
    }
}
