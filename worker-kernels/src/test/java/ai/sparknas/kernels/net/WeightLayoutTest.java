package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.net.ParameterLayout.Segment;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The mapping between named weight arrays and the flat ω vector. */
class WeightLayoutTest {

    @Test
    void segmentsTileTheFlatVectorWithUniqueNames() {
        SuperNetwork net = new SuperNetwork(SearchSpace.darts(3, 4, 1, 8, 8, 10, AlphaSharing.PER_TYPE), 1);
        List<Segment> segments = net.weightLayout().segments();
        long next = 0;
        Set<String> names = new HashSet<>();
        for (Segment s : segments) {
            assertEquals(next, s.offset(), "segments are contiguous, in declaration order: " + s);
            assertTrue(names.add(s.name()), "unique name " + s.name());
            next += s.size();
        }
        assertEquals(net.weightLayout().size(), next);
        Segment stem = net.weightLayout().get("stem/conv");
        assertEquals(0, stem.offset());
        assertArrayEquals(new long[] {12, 1, 3, 3}, stem.shape(), "PyTorch layout [out, in, k, k], 3C out");
        assertArrayEquals(new long[] {10, 4 * 16}, net.weightLayout().get("classifier/weight").shape(),
                "the last cell (reduced twice) outputs 4 nodes x 4C channels");
        assertEquals("cell1/edge0/sep_conv_3x3/a/dw",
                net.weightLayout().segmentAt(net.weightLayout().get("cell1/edge0/sep_conv_3x3/a/dw").offset()).name());
        assertThrows(IllegalArgumentException.class, () -> net.weightLayout().get("no/such"));
    }

    @Test
    void defaultNetworkHasTheAnchorsWeightCount() {
        // shared/anchors/torch_darts_step.py reports weight_params = 393778 for 5 cells, C 8, 1x28x28, 10 classes
        SuperNetwork net = new SuperNetwork(SearchSpace.darts(5, 8, 1, 28, 28, 10, AlphaSharing.PER_TYPE), 1);
        assertEquals(393_778, net.weightLayout().size());
        assertEquals(2 * 14 * 8, net.alphaLayout().size());
        SuperNetwork perCell = new SuperNetwork(SearchSpace.darts(5, 8, 1, 28, 28, 10, AlphaSharing.PER_CELL), 1);
        assertEquals(5 * 14 * 8, perCell.alphaLayout().size());
    }

    @Test
    void gradientSegmentsLandWhereTheirNamesSay() {
        SuperNetwork net = new SuperNetwork(SearchSpace.darts(3, 4, 1, 8, 8, 10, AlphaSharing.PER_TYPE), 1);
        double[] images = new double[2 * 64];
        for (int i = 0; i < images.length; i++) {
            images[i] = Math.sin(i);
        }
        GradientSums g = net.gradients(net.initialWeights(1), net.initialAlpha(2), images, new int[] {3, 7}, Wanted.WEIGHTS);
        Segment bias = net.weightLayout().get("classifier/bias");
        INDArray b = g.weightGrad().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(bias.offset(), bias.offset() + bias.size()));
        // softmax cross-entropy: the bias gradient of each example sums to zero over the classes
        assertEquals(0, b.sumNumber().doubleValue(), 1e-12);
        assertTrue(b.getDouble(3) < 0 && b.getDouble(7) < 0, "the labelled classes pull their bias up");
        Segment gamma = net.weightLayout().get("stem/bn/gamma");
        assertTrue(Nd4j.createFromArray(net.initialWeights(1).toDoubleVector())
                .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(gamma.offset(), gamma.offset() + gamma.size()))
                .eq(1.0).all(), "γ initialised to 1");
    }

    @Test
    void wrongVectorLengthsAreRejected() {
        SuperNetwork net = new SuperNetwork(SearchSpace.darts(3, 4, 1, 8, 8, 10, AlphaSharing.PER_TYPE), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.gradients(
                Nd4j.zeros(5), net.initialAlpha(1), new double[64], new int[] {0}, Wanted.NONE));
        assertTrue(e.getMessage().contains("another search space"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> net.gradients(net.initialWeights(1), net.initialAlpha(1),
                new double[63], new int[] {0}, Wanted.NONE));
    }
}
