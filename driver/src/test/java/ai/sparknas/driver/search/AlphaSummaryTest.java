package ai.sparknas.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The monitor's numbers on a hand-made α: skip counts, entropies and the sub-network mask. */
class AlphaSummaryTest {

    private final SearchSpace space = SearchSpace.darts(5, 8, 1, 28, 28, 10, AlphaSharing.PER_TYPE);
    private final AlphaSummary summary = new AlphaSummary(space);
    private static final int OPS = 8;
    private static final int ROWS = 14;
    private static final int SKIP = 3;
    private static final int SEP3 = 4;

    /** Normal cell: skip_connect dominates edges from input 1, sep_conv_3x3 those from input 0; reduce: uniform. */
    private double[] handMade() {
        double[] a = new double[2 * ROWS * OPS];
        for (int node = 0; node < 4; node++) {
            a[SearchSpace.edgeRow(node, 0) * OPS + SEP3] = 5;
            a[SearchSpace.edgeRow(node, 1) * OPS + SKIP] = 4;
        }
        return a;
    }

    @Test
    void skipCountsEntropyAndGenotype() {
        var alpha = Nd4j.createFromArray(handMade());
        Genotype g = summary.genotype(alpha);
        assertEquals(4, AlphaSummary.normalSkips(g));
        for (int node = 0; node < 4; node++) {
            assertEquals(new Genotype.Edge("sep_conv_3x3", 0), g.normal().get(2 * node));
            assertEquals(new Genotype.Edge("skip_connect", 1), g.normal().get(2 * node + 1));
        }
        // entropy: uniform rows have ln 8; the 8 peaked rows have the closed form of softmax(x, 0 × 7)
        double h5 = entropy(5);
        double h4 = entropy(4);
        double expected = (4 * h5 + 4 * h4 + (2 * ROWS - 8) * Math.log(OPS)) / (2 * ROWS);
        assertEquals(expected, summary.meanEntropy(alpha), 1e-12);
    }

    @Test
    void maskKeepsExactlyTheGenotypesEdgesAndOps() {
        Genotype g = summary.genotype(Nd4j.createFromArray(handMade()));
        double[] mask = summary.mask(g).toDoubleVector();
        assertEquals(2 * 8, (int) java.util.Arrays.stream(mask).sum(), "8 kept (edge, op) per cell type");
        for (int node = 0; node < 4; node++) {
            assertEquals(1, mask[SearchSpace.edgeRow(node, 0) * OPS + SEP3]);
            assertEquals(1, mask[SearchSpace.edgeRow(node, 1) * OPS + SKIP]);
        }
        List<Genotype.Edge> reduce = g.reduce();
        for (int i = 0; i < reduce.size(); i++) {
            int op = summary.opNames().indexOf(reduce.get(i).op());
            assertEquals(1, mask[(ROWS + SearchSpace.edgeRow(i / 2, reduce.get(i).input())) * OPS + op]);
        }
    }

    private static double entropy(double peak) {
        double z = Math.exp(peak) + 7;
        double p = Math.exp(peak) / z;
        double q = 1 / z;
        return -(p * Math.log(p) + 7 * q * Math.log(q));
    }
}
