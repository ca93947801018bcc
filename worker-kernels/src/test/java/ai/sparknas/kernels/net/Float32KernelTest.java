package ai.sparknas.kernels.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The generated float32 network computes the same function as the float64 one it is generated
 * from: same layouts, and losses and gradients equal to float32 rounding.
 */
class Float32KernelTest {

    private static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    @Test
    void float32AgreesWithFloat64() {
        SearchSpace space = SearchSpace.darts(3, 4, 2, 8, 8, 5, AlphaSharing.PER_CELL);
        try (NetworkKernel f64 = NetworkKernel.create(space, 2, "float64");
             NetworkKernel f32 = NetworkKernel.create(space, 2, "float32")) {
            assertTrue(f32 instanceof ai.sparknas.kernels.net32.SuperNetwork);
            assertEquals(f64.weightLayout().size(), f32.weightLayout().size());
            assertEquals(f64.weightLayout().names(), f32.weightLayout().names());
            assertEquals(f64.alphaLayout().size(), f32.alphaLayout().size());
            assertEquals(f64.forwardMacsPerImage(), f32.forwardMacsPerImage());
            INDArray w = f64.initialWeights(3);
            INDArray alpha = f64.initialAlpha(4).mul(100);
            assertEquals(w, f32.initialWeights(3), "initial ω is float64 and identical");
            SplittableRandom rng = new SplittableRandom(8);
            double[] images = new double[6 * 2 * 64];
            for (int i = 0; i < images.length; i++) {
                images[i] = rng.nextGaussian();
            }
            int[] labels = {0, 1, 2, 3, 4, 0};
            GradientSums a = f64.gradients(w, alpha, images, labels, Wanted.BOTH);
            GradientSums b = f32.gradients(w, alpha, images, labels, Wanted.BOTH);
            assertEquals(DataType.DOUBLE, b.weightGrad().dataType(), "gradients leave as float64");
            assertEquals(a.lossSum(), b.lossSum(), 1e-5 * Math.abs(a.lossSum()));
            assertEquals(a.correct(), b.correct());
            assertTrue(relDiff(b.weightGrad(), a.weightGrad()) < 1e-3, "∇ω " + relDiff(b.weightGrad(), a.weightGrad()));
            assertTrue(relDiff(b.alphaGrad(), a.alphaGrad()) < 1e-3, "∇α " + relDiff(b.alphaGrad(), a.alphaGrad()));
            assertTrue(relDiff(b.weightGrad(), a.weightGrad()) > 0, "the float32 path really is a different computation");
        }
    }

    @Test
    void unknownPrecisionIsRejected() {
        SearchSpace space = SearchSpace.darts(3, 4, 1, 8, 8, 5, AlphaSharing.PER_TYPE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetworkKernel.create(space, 1, "float16"));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
    }
}
