package ai.sparknas.driver.search;

import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.GenotypeDerivation;
import ai.sparknas.kernels.space.Primitive;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What α says right now: its blocks as matrices, the genotype (spec §5), the mean entropy of the
 * edges' softmax, and the skip_connect count of the normal cell — the collapse signals of the paper.
 * With one α per cell, each cell type's genotype is derived from the mean α of its cells.
 */
public final class AlphaSummary {

    private final SearchSpace space;
    private final List<String> opNames;

    public AlphaSummary(SearchSpace space) {
        this.space = space;
        this.opNames = space.ops().stream().map(Primitive::dartsName).toList();
    }

    /** Block {@code b} of the flat α as {@code [edges][ops]}. */
    public double[][] block(INDArray alpha, int b) {
        int rows = space.edgesPerCell();
        int ops = space.ops().size();
        double[] flat = alpha.toDoubleVector();
        double[][] m = new double[rows][ops];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, (b * rows + r) * ops, m[r], 0, ops);
        }
        return m;
    }

    /** Mean α over the blocks of one cell type (the blocks themselves with per-type sharing). */
    public double[][] cellType(INDArray alpha, boolean reduction) {
        int rows = space.edgesPerCell();
        int ops = space.ops().size();
        double[][] mean = new double[rows][ops];
        int blocks = 0;
        for (int b = 0; b < space.alphaBlocks().size(); b++) {
            if (space.isReductionBlock(b) == reduction) {
                double[][] m = block(alpha, b);
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < ops; k++) {
                        mean[r][k] += m[r][k];
                    }
                }
                blocks++;
            }
        }
        for (double[] row : mean) {
            for (int k = 0; k < ops; k++) {
                row[k] /= blocks;
            }
        }
        return mean;
    }

    public Genotype genotype(INDArray alpha) {
        return GenotypeDerivation.derive(cellType(alpha, false), cellType(alpha, true), opNames, space.nodes());
    }

    public List<String> opNames() {
        return opNames;
    }

    /** Mean over all edges of all blocks of the entropy (nats) of softmax(α_edge). */
    public double meanEntropy(INDArray alpha) {
        int ops = space.ops().size();
        double[] flat = alpha.toDoubleVector();
        int rows = flat.length / ops;
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double h = 0;
            for (double p : GenotypeDerivation.softmax(java.util.Arrays.copyOfRange(flat, r * ops, (r + 1) * ops))) {
                h -= p > 0 ? p * Math.log(p) : 0;
            }
            total += h;
        }
        return total / rows;
    }

    /**
     * The mixing weights of a genotype's sub-network in α's layout: 1 on each kept (edge, op) of the
     * cell type of every α block, 0 elsewhere (dropped edges and ops contribute nothing).
     */
    public INDArray mask(Genotype g) {
        int rows = space.edgesPerCell();
        int ops = space.ops().size();
        double[] mix = new double[space.alphaBlocks().size() * rows * ops];
        for (int b = 0; b < space.alphaBlocks().size(); b++) {
            List<Genotype.Edge> edges = g.edges(space.isReductionBlock(b));
            for (int i = 0; i < edges.size(); i++) {
                Genotype.Edge e = edges.get(i);
                int k = opNames.indexOf(e.op());
                if (k < 0) {
                    throw new IllegalArgumentException("genotype op " + e.op() + " is not in the search space " + opNames);
                }
                mix[(b * rows + SearchSpace.edgeRow(i / 2, e.input())) * ops + k] = 1;
            }
        }
        return Nd4j.createFromArray(mix);
    }

    /** skip_connect edges in a genotype's normal cell. */
    public static int normalSkips(Genotype g) {
        return (int) g.normal().stream().filter(e -> e.op().equals("skip_connect")).count();
    }
}
