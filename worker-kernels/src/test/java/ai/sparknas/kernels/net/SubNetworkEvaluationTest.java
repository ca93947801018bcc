package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link SuperNetwork#evaluate}: with softmax(α) as the mixing weights it is the super-network itself;
 * with a genotype's 0/1 mask its loss depends on the kept ops' weights and on no dropped op's.
 */
class SubNetworkEvaluationTest {

    private final SearchSpace space = SearchSpace.darts(3, 4, 2, 8, 8, 5, AlphaSharing.PER_TYPE);
    private final SuperNetwork net = new SuperNetwork(space, 2);
    private final INDArray w = net.initialWeights(21);
    private final INDArray alpha = net.initialAlpha(22).mul(300);
    private final double[] x = new double[4 * 2 * 8 * 8];
    private final int[] y = {1, 0, 4, 2};

    SubNetworkEvaluationTest() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
    }

    @Test
    void softmaxWeightsGiveTheSuperNetwork() {
        int ops = space.ops().size();
        double[] a = alpha.toDoubleVector();
        double[] p = new double[a.length];
        for (int r = 0; r < a.length / ops; r++) {
            double z = 0;
            for (int k = 0; k < ops; k++) {
                z += Math.exp(a[r * ops + k]);
            }
            for (int k = 0; k < ops; k++) {
                p[r * ops + k] = Math.exp(a[r * ops + k]) / z;
            }
        }
        double expected = net.gradients(w, alpha, x, y, Wanted.NONE).lossSum();
        assertEquals(expected, net.evaluate(w, Nd4j.createFromArray(p), x, y).lossSum(), 1e-12 * Math.abs(expected));
    }

    @Test
    void aMaskedNetworkDependsOnlyOnTheKeptOps() {
        int rows = space.edgesPerCell();
        int ops = space.ops().size();
        int sep3 = 4;
        int dil5 = 7;
        double[] mix = new double[2 * rows * ops];
        for (int b = 0; b < 2; b++) {
            for (int node = 0; node < space.nodes(); node++) {
                // keep (sep_conv_3x3 from input 0) and (dil_conv_5x5 from input 1) at every node
                mix[(b * rows + SearchSpace.edgeRow(node, 0)) * ops + sep3] = 1;
                mix[(b * rows + SearchSpace.edgeRow(node, 1)) * ops + dil5] = 1;
            }
        }
        INDArray mask = Nd4j.createFromArray(mix);
        double base = net.evaluate(w, mask, x, y).lossSum();

        String dropped = "cell0/edge" + SearchSpace.edgeRow(1, 2) + "/sep_conv_3x3/a/dw"; // edge from node 0: dropped
        String droppedOp = "cell0/edge" + SearchSpace.edgeRow(0, 0) + "/sep_conv_5x5/a/dw"; // kept edge, other op
        String kept = "cell0/edge" + SearchSpace.edgeRow(0, 0) + "/sep_conv_3x3/a/dw";
        assertEquals(base, net.evaluate(perturbed(dropped), mask, x, y).lossSum(), 0.0, dropped);
        assertEquals(base, net.evaluate(perturbed(droppedOp), mask, x, y).lossSum(), 0.0, droppedOp);
        assertNotEquals(base, net.evaluate(perturbed(kept), mask, x, y).lossSum(), kept);
        assertNotEquals(base, net.gradients(w, alpha, x, y, Wanted.NONE).lossSum(), "not the super-network");
    }

    private INDArray perturbed(String segment) {
        ParameterLayout.Segment s = net.weightLayout().get(segment);
        INDArray copy = w.dup();
        copy.putScalar(s.offset(), copy.getDouble(s.offset()) + 0.5);
        return copy;
    }
}
