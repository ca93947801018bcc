package ai.sparknas.driver.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SgdMomentumTest {

    private static final double MU = 0.9;
    private static final double WD = 3e-4;

    /** Plain-double PyTorch clip_grad_norm_ + SGD; returns the pre-clip norm. */
    private static double referenceStep(double[] w, double[] g0, double[][] buf, double lr, double maxNorm) {
        double[] g = g0.clone();
        double sq = 0;
        for (double x : g) {
            sq += x * x;
        }
        double norm = Math.sqrt(sq);
        double coef = maxNorm / (norm + 1e-6);
        if (maxNorm > 0 && coef < 1) {
            for (int i = 0; i < g.length; i++) {
                g[i] *= coef;
            }
        }
        for (int i = 0; i < g.length; i++) {
            g[i] += WD * w[i];
        }
        if (buf[0] == null) {
            buf[0] = g;
        } else {
            for (int i = 0; i < g.length; i++) {
                buf[0][i] = MU * buf[0][i] + g[i];
            }
        }
        for (int i = 0; i < w.length; i++) {
            w[i] -= lr * buf[0][i];
        }
        return norm;
    }

    private static double[] random(Random rnd, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = scale * rnd.nextGaussian();
        }
        return a;
    }

    private static void compareThreeSteps(double gradScale, double maxNorm, boolean expectClipped) {
        Random rnd = new Random(11);
        double[] w = random(rnd, 17, 1);
        double[][] buf = {null};
        INDArray wNd = Nd4j.createFromArray(w.clone());
        SgdMomentum sgd = new SgdMomentum(MU, WD, maxNorm);
        assertNull(sgd.momentumBuffer());
        double[] lrs = {0.025, 0.02, 0.01};
        for (double lr : lrs) {
            double[] g = random(rnd, 17, gradScale);
            INDArray gNd = Nd4j.createFromArray(g.clone());
            double expectedNorm = referenceStep(w, g, buf, lr, maxNorm);
            double norm = sgd.step(wNd, gNd, lr);
            assertEquals(expectedNorm, norm, 1e-12 * expectedNorm);
            assertEquals(expectClipped, maxNorm > 0 && norm > maxNorm);
            assertArrayEquals(g, gNd.toDoubleVector(), 0.0, "caller's gradient must be untouched");
            assertArrayEquals(w, wNd.toDoubleVector(), 1e-13);
            assertArrayEquals(buf[0], sgd.momentumBuffer().toDoubleVector(), 1e-13);
        }
        assertEquals(3, sgd.steps());
    }

    @Test
    void matchesReferenceWithClippingActive() {
        compareThreeSteps(10, 5, true);
    }

    @Test
    void matchesReferenceWithClippingInactive() {
        compareThreeSteps(0.1, 5, false);
    }

    @Test
    void matchesReferenceWithClippingDisabled() {
        compareThreeSteps(10, 0, false);
    }

    @Test
    void firstStepBufferIsDecayedGradient() {
        double[] w = {1, -2, 3};
        double[] g = {0.5, 0.25, -1};
        INDArray wNd = Nd4j.createFromArray(w.clone());
        SgdMomentum sgd = new SgdMomentum(MU, WD, 5);
        sgd.step(wNd, Nd4j.createFromArray(g), 0.1);
        double[] buf = sgd.momentumBuffer().toDoubleVector();
        for (int i = 0; i < 3; i++) {
            assertEquals(g[i] + WD * w[i], buf[i], 0.0);
            assertEquals(w[i] - 0.1 * (g[i] + WD * w[i]), wNd.getDouble(i), 0.0);
        }
    }

    @Test
    void clipsToMaxNorm() {
        INDArray w = Nd4j.zeros(DataType.DOUBLE, 2);
        SgdMomentum sgd = new SgdMomentum(0, 0, 5);
        double norm = sgd.step(w, Nd4j.createFromArray(30.0, 40.0), 1);
        assertEquals(50, norm, 0.0);
        double coef = 5 / (50 + 1e-6);
        assertArrayEquals(new double[] {-30 * coef, -40 * coef}, w.toDoubleVector(), 1e-15);
    }

    @Test
    void floatVectorsAndRestore() {
        INDArray w = Nd4j.createFromArray(1f, 2f, 3f);
        INDArray g = Nd4j.createFromArray(0.1f, -0.2f, 0.3f);
        SgdMomentum a = new SgdMomentum(MU, WD, 5);
        a.step(w, g, 0.1);
        INDArray wCopy = w.dup();
        SgdMomentum b = new SgdMomentum(MU, WD, 5, a.momentumBuffer().dup(), a.steps());
        a.step(w, g, 0.05);
        b.step(wCopy, g, 0.05);
        assertEquals(DataType.FLOAT, w.dataType());
        assertEquals(w, wCopy);
        assertEquals(a.momentumBuffer(), b.momentumBuffer());
        assertArrayEquals(new float[] {0.1f, -0.2f, 0.3f}, g.toFloatVector(), 0f);
    }

    @Test
    void rejectsBadArguments() {
        SgdMomentum sgd = new SgdMomentum(MU, WD, 5);
        assertThrows(IllegalArgumentException.class, () -> sgd.step(Nd4j.zeros(3), Nd4j.zeros(4), 0.1));
        assertThrows(IllegalArgumentException.class, () -> sgd.step(Nd4j.zeros(3), Nd4j.zeros(3), -1));
        assertThrows(IllegalArgumentException.class, () -> new SgdMomentum(-0.1, WD, 5));
        assertThrows(IllegalArgumentException.class, () -> new SgdMomentum(MU, WD, 5, null, 3));
        assertThrows(IllegalArgumentException.class, () -> new SgdMomentum(MU, WD, 5, Nd4j.zeros(3), 0));
    }
}
