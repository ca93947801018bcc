package ai.sparknas.driver.genotype;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static ai.sparknas.driver.genotype.GenotypeDerivation.DEFAULT_OPS;
import static ai.sparknas.driver.genotype.GenotypeDerivation.rowIndex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenotypeDerivationTest {
    // column indices in DEFAULT_OPS
    static final int NONE = 0, MAX = 1, AVG = 2, SKIP = 3, SEP3 = 4, SEP5 = 5, DIL3 = 6;

    static Genotype.Edge e(String op, int input) {
        return new Genotype.Edge(op, input);
    }

    static double[][] zeros(int nodes) {
        return new double[GenotypeDerivation.rowCount(nodes)][DEFAULT_OPS.size()];
    }

    @Test
    void rowLayoutMatchesDarts() {
        assertEquals(14, GenotypeDerivation.rowCount(4));
        assertEquals(9, GenotypeDerivation.rowCount(3));
        assertEquals(0, rowIndex(0, 0));
        assertEquals(2, rowIndex(1, 0));
        assertEquals(5, rowIndex(2, 0));
        assertEquals(9, rowIndex(3, 0));
        assertEquals(13, rowIndex(3, 4));
    }

    @Test
    void handBuiltAlphaGivesExactGenotype() {
        double[][] a = zeros(4);
        // node 0: j=0 sep_conv_3x3 strongest, then j=1 skip
        a[rowIndex(0, 0)][SEP3] = 5;
        a[rowIndex(0, 1)][SKIP] = 3;
        // node 1: j=2 (node 0) strongest -> emitted first although j=2 > j=0
        a[rowIndex(1, 2)][DIL3] = 6;
        a[rowIndex(1, 0)][MAX] = 4;
        // node 2: every row dominated by none; j=3 has the best non-none op (avg_pool)
        for (int j = 0; j < 4; j++) a[rowIndex(2, j)][NONE] = 10;
        a[rowIndex(2, 3)][AVG] = 4;
        // node 3: j=4 sep_conv_5x5, then j=1 skip
        a[rowIndex(3, 4)][SEP5] = 7;
        a[rowIndex(3, 1)][SKIP] = 2;

        List<Genotype.Edge> cell = GenotypeDerivation.deriveCell(a, DEFAULT_OPS, 4);
        assertEquals(List.of(
                e("sep_conv_3x3", 0), e("skip_connect", 1),
                e("dil_conv_3x3", 2), e("max_pool_3x3", 0),
                // rows j=0..2 tie (none=10, rest 0): j=0 wins; its ops tie: smallest index max_pool
                e("avg_pool_3x3", 3), e("max_pool_3x3", 0),
                e("sep_conv_5x5", 4), e("skip_connect", 1)), cell);

        Genotype g = GenotypeDerivation.derive(a, zeros(4));
        assertEquals(cell, g.normal());
        assertEquals(List.of(2, 3, 4, 5), g.normalConcat());
        assertEquals(List.of(2, 3, 4, 5), g.reduceConcat());
        // all-zero α: every score ties -> j=0,1; every op ties -> max_pool_3x3 (first non-none)
        for (int i = 0; i < 4; i++) {
            assertEquals(List.of(e("max_pool_3x3", 0), e("max_pool_3x3", 1)), g.reduce().subList(2 * i, 2 * i + 2));
        }
    }

    @Test
    void noneDominatedRowIsScoredByBestNonNoneOp() {
        double[][] a = zeros(4);
        // node 0: j=0 has a huge none but a strong sep_conv; j=1 is uniform
        a[rowIndex(0, 0)][NONE] = 50;
        a[rowIndex(0, 0)][SEP3] = 49;
        List<Genotype.Edge> cell = GenotypeDerivation.deriveCell(a, DEFAULT_OPS, 4);
        // softmax row 0: sep_conv ≈ 0.27 > 1/8 of the uniform row, so j=0 first, with sep_conv not none
        assertEquals(List.of(e("sep_conv_3x3", 0), e("max_pool_3x3", 1)), cell.subList(0, 2));
    }

    @Test
    void tiedPredecessorsKeepSmallerJFirst() {
        double[][] a = zeros(4);
        a[rowIndex(3, 3)][SEP3] = 5;
        a[rowIndex(3, 1)][SEP3] = 5; // identical row to j=3
        List<Genotype.Edge> cell = GenotypeDerivation.deriveCell(a, DEFAULT_OPS, 4);
        assertEquals(List.of(e("sep_conv_3x3", 1), e("sep_conv_3x3", 3)), cell.subList(6, 8));
    }

    @Test
    void tiedOpsKeepSmallerOpIndex() {
        double[][] a = zeros(4);
        a[rowIndex(0, 0)][SEP3] = 3;
        a[rowIndex(0, 0)][SKIP] = 3; // skip_connect (3) precedes sep_conv_3x3 (4)
        a[rowIndex(0, 0)][NONE] = 3; // none (index 0) would win the tie were it not excluded
        List<Genotype.Edge> cell = GenotypeDerivation.deriveCell(a, DEFAULT_OPS, 4);
        assertEquals(e("skip_connect", 0), cell.get(0));
    }

    @Test
    void scoresUseSoftmaxPerRowNotRawAlpha() {
        double[][] a = zeros(4);
        // node 1, j=2: raw best non-none α is 1 (> 0 of the other rows), but none=10 swamps it after softmax
        a[rowIndex(1, 2)] = new double[] {10, 1, 1, 1, 1, 1, 1, 1};
        a[rowIndex(1, 0)][SEP5] = 0.5; // softmax ≈ 0.19, the best
        List<Genotype.Edge> cell = GenotypeDerivation.deriveCell(a, DEFAULT_OPS, 4);
        // raw-α scoring would keep j=2 first; softmax keeps j=0 (0.19) then j=1 (0.125 uniform)
        assertEquals(List.of(e("sep_conv_5x5", 0), e("max_pool_3x3", 1)), cell.subList(2, 4));
    }

    @Test
    void softmaxIsShiftInvariantAndStable() {
        double[] w = GenotypeDerivation.softmax(new double[] {1000, 1000});
        assertEquals(0.5, w[0], 1e-12);
        assertEquals(0.5, w[1], 1e-12);
    }

    @Test
    void opListWithoutNoneCountsAllOps() {
        List<String> ops = List.of("conv_a", "conv_b");
        double[][] a = new double[GenotypeDerivation.rowCount(1)][2];
        a[0][0] = 2; // column 0 is an ordinary op here
        a[1][1] = 1;
        assertEquals(List.of(e("conv_a", 0), e("conv_b", 1)), GenotypeDerivation.deriveCell(a, ops, 1));
    }

    @Test
    void threeNodesGiveNineRowsSixEdges() {
        double[][] n = new double[9][DEFAULT_OPS.size()];
        n[rowIndex(2, 3)][DIL3] = 4;
        n[rowIndex(2, 0)][SKIP] = 2;
        Genotype g = GenotypeDerivation.derive(n, new double[9][DEFAULT_OPS.size()], DEFAULT_OPS, 3);
        assertEquals(6, g.normal().size());
        assertEquals(6, g.reduce().size());
        assertEquals(List.of(2, 3, 4), g.normalConcat());
        assertEquals(List.of(2, 3, 4), g.reduceConcat());
        assertEquals(List.of(e("dil_conv_3x3", 3), e("skip_connect", 0)), g.normal().subList(4, 6));
    }

    @Test
    void randomNoneHeavyAlphaGivesWellFormedCells() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int nodes = 1 + rnd.nextInt(6);
            double[][] a = new double[GenotypeDerivation.rowCount(nodes)][DEFAULT_OPS.size()];
            for (double[] row : a) {
                for (int k = 0; k < row.length; k++) row[k] = rnd.nextGaussian();
                row[NONE] += 5; // none dominates, as late in a DARTS search
            }
            List<Genotype.Edge> cell = GenotypeDerivation.deriveCell(a, DEFAULT_OPS, nodes);
            assertEquals(2 * nodes, cell.size());
            for (int i = 0; i < nodes; i++) {
                Set<Integer> inputs = new HashSet<>();
                for (Genotype.Edge edge : cell.subList(2 * i, 2 * i + 2)) {
                    assertNotEquals("none", edge.op());
                    assertTrue(edge.input() < i + 2, "input must be a predecessor of node " + i);
                    inputs.add(edge.input());
                }
                assertEquals(2, inputs.size(), "two distinct predecessors per node");
            }
        }
    }

    /** α with one distinctive value per kept edge (first kept edge larger), so derive must reproduce the cell. */
    static double[][] alphaFor(List<Genotype.Edge> cell, int nodes) {
        double[][] a = zeros(nodes);
        for (int idx = 0; idx < cell.size(); idx++) {
            Genotype.Edge edge = cell.get(idx);
            a[rowIndex(idx / 2, edge.input())][DEFAULT_OPS.indexOf(edge.op())] = idx % 2 == 0 ? 6 : 5;
        }
        return a;
    }

    @Test
    void reproducesPublishedGenotypesFromMatchingAlpha() {
        for (Genotype g : List.of(Genotypes.DARTS_V1, Genotypes.DARTS_V2)) {
            assertEquals(g, GenotypeDerivation.derive(alphaFor(g.normal(), 4), alphaFor(g.reduce(), 4)));
        }
    }

    @Test
    void wrongRowCountIsRejected() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> GenotypeDerivation.derive(zeros(4), zeros(3), DEFAULT_OPS, 4));
        assertTrue(ex.getMessage().contains("reduce alpha has 9 rows, expected 14"), ex.getMessage());
    }

    @Test
    void wrongRowWidthIsRejected() {
        double[][] a = zeros(4);
        a[5] = new double[7];
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> GenotypeDerivation.derive(a, zeros(4), DEFAULT_OPS, 4));
        assertTrue(ex.getMessage().contains("normal alpha row 5 has 7 values, expected 8"), ex.getMessage());
    }

    @Test
    void nonFiniteEntriesAreRejected() {
        double[][] a = zeros(4);
        a[7][SEP3] = Double.NaN;
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> GenotypeDerivation.derive(zeros(4), a, DEFAULT_OPS, 4));
        assertTrue(ex.getMessage().contains("reduce alpha row 7"), ex.getMessage());
        assertTrue(ex.getMessage().contains("NaN"), ex.getMessage());

        double[][] b = zeros(4);
        b[0][NONE] = Double.POSITIVE_INFINITY;
        ex = assertThrows(IllegalArgumentException.class, () -> GenotypeDerivation.derive(b, zeros(4)));
        assertTrue(ex.getMessage().contains("normal alpha row 0"), ex.getMessage());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> GenotypeDerivation.deriveCell(null, DEFAULT_OPS, 4));
        assertThrows(IllegalArgumentException.class, () -> GenotypeDerivation.deriveCell(zeros(4), DEFAULT_OPS, 0));
        assertThrows(IllegalArgumentException.class,
                () -> GenotypeDerivation.deriveCell(new double[2][1], List.of("none"), 1));
    }
}
