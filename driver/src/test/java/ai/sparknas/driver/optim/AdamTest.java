package ai.sparknas.driver.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdamTest {

    private static final double LR = 3e-4;
    private static final double B1 = 0.5;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-8;
    private static final double WD = 1e-3;

    @Test
    void matchesPlainReferenceForThreeSteps() {
        Random rnd = new Random(5);
        int n = 14;
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 1e-3 * rnd.nextGaussian();
        }
        double[] m = new double[n];
        double[] v = new double[n];
        INDArray alpha = Nd4j.createFromArray(a.clone());
        Adam adam = new Adam(LR, B1, B2, EPS, WD);
        assertNull(adam.m());
        for (int t = 1; t <= 3; t++) {
            double[] grad = new double[n];
            for (int i = 0; i < n; i++) {
                grad[i] = rnd.nextGaussian();
            }
            INDArray gNd = Nd4j.createFromArray(grad.clone());
            double bias1 = 1 - Math.pow(B1, t);
            double bias2 = 1 - Math.pow(B2, t);
            for (int i = 0; i < n; i++) {
                double g = grad[i] + WD * a[i];
                m[i] = B1 * m[i] + (1 - B1) * g;
                v[i] = B2 * v[i] + (1 - B2) * g * g;
                double denom = Math.sqrt(v[i]) / Math.sqrt(bias2) + EPS;
                a[i] -= (LR / bias1) * m[i] / denom;
            }
            adam.step(alpha, gNd);
            assertArrayEquals(grad, gNd.toDoubleVector(), 0.0, "caller's gradient must be untouched");
            assertArrayEquals(m, adam.m().toDoubleVector(), 1e-15);
            assertArrayEquals(v, adam.v().toDoubleVector(), 1e-15);
            assertArrayEquals(a, alpha.toDoubleVector(), 1e-15);
            assertEquals(t, adam.t());
        }
    }

    @Test
    void firstStepIsLrTimesSignOfGradient() {
        double[] a = {0, 0, 0, 0};
        double[] grad = {2.0, -0.5, 1e-3, -7};
        INDArray alpha = Nd4j.createFromArray(a);
        new Adam(LR, B1, B2, EPS, 0).step(alpha, Nd4j.createFromArray(grad));
        for (int i = 0; i < grad.length; i++) {
            // m/bias1 = g, sqrt(v/bias2) = |g| ⇒ Δ = −lr·g/(|g| + eps)
            double expected = -LR * grad[i] / (Math.abs(grad[i]) + EPS);
            assertEquals(expected, alpha.getDouble(i), 1e-18);
            assertEquals(LR * Math.signum(grad[i]), -alpha.getDouble(i), 1e-5 * LR);
        }
    }

    @Test
    void restoredStateContinuesIdentically() {
        INDArray alpha = Nd4j.createFromArray(0.1f, -0.2f, 0.3f);
        INDArray g = Nd4j.createFromArray(1f, 2f, -3f);
        Adam a = new Adam(LR, B1, B2, EPS, WD);
        a.step(alpha, g);
        INDArray copy = alpha.dup();
        Adam b = new Adam(LR, B1, B2, EPS, WD, a.m().dup(), a.v().dup(), a.t());
        a.step(alpha, g);
        b.step(copy, g);
        assertEquals(alpha, copy);
        assertEquals(2, b.t());
    }

    /**
     * The plain-Java step against the same formula in ND4J operations (how it was computed before), over
     * many steps of gradients spanning magnitudes: bit for bit, since executors and the driver must agree.
     */
    @Test
    void plainJavaStepIsBitIdenticalToNd4jOperations() {
        Random rnd = new Random(11);
        int n = 224;
        INDArray alpha = Nd4j.createFromArray(new double[n]);
        INDArray reference = alpha.dup();
        INDArray m = Nd4j.zerosLike(alpha);
        INDArray v = Nd4j.zerosLike(alpha);
        Adam adam = new Adam(LR, B1, B2, EPS, WD);
        for (int t = 1; t <= 300; t++) {
            double[] grad = new double[n];
            for (int i = 0; i < n; i++) {
                grad[i] = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 6);
            }
            INDArray g = Nd4j.createFromArray(grad).addi(reference.mul(WD));
            m.muli(B1).addi(g.mul(1 - B1));
            v.muli(B2).addi(g.mul(g).muli(1 - B2));
            INDArray denom = org.nd4j.linalg.ops.transforms.Transforms.sqrt(v, true)
                    .divi(Math.sqrt(1 - Math.pow(B2, t))).addi(EPS);
            reference.subi(m.div(denom).muli(LR / (1 - Math.pow(B1, t))));
            adam.step(alpha, Nd4j.createFromArray(grad));
        }
        assertArrayEquals(reference.toDoubleVector(), alpha.toDoubleVector(), 0.0, "α");
        assertArrayEquals(m.toDoubleVector(), adam.m().toDoubleVector(), 0.0, "m");
        assertArrayEquals(v.toDoubleVector(), adam.v().toDoubleVector(), 0.0, "v");
    }

    /** What an executor applies: the next step's α, bit for bit, with the optimizer itself unchanged. */
    @Test
    void previewGivesTheNextStepWithoutTakingIt() {
        Random rnd = new Random(3);
        double[] a = new double[20];
        double[] g = new double[20];
        INDArray alpha = Nd4j.createFromArray(a);
        Adam adam = new Adam(LR, B1, B2, EPS, WD);
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < g.length; i++) {
                g[i] = rnd.nextGaussian();
            }
            double[] before = alpha.toDoubleVector();
            AdamStep preview = adam.preview();
            double[] next = preview.next(before, g.clone());
            assertArrayEquals(before, alpha.toDoubleVector(), 0.0, "preview changed α");
            assertEquals(t, adam.t(), "preview took a step");
            double[] again = roundTrip(preview).next(before, g.clone());
            assertArrayEquals(next, again, 0.0, "a serialized preview (what a task receives) differs");
            adam.step(alpha, Nd4j.createFromArray(g.clone()));
            assertArrayEquals(alpha.toDoubleVector(), next, 0.0, "step " + (t + 1));
            assertFalse(java.util.Arrays.equals(before, next), "α moved");
        }
        assertThrows(IllegalArgumentException.class, () -> adam.preview().next(new double[3], new double[20]));
    }

    private static AdamStep roundTrip(AdamStep step) {
        try {
            var bytes = new java.io.ByteArrayOutputStream();
            try (var out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(step);
            }
            try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                return (AdamStep) in.readObject();
            }
        } catch (java.io.IOException | ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Adam(LR, 1.0, B2, EPS, WD));
        assertThrows(IllegalArgumentException.class, () -> new Adam(-1, B1, B2, EPS, WD));
        assertThrows(IllegalArgumentException.class, () -> new Adam(LR, B1, B2, EPS, WD, Nd4j.zeros(2), null, 1));
        Adam adam = new Adam(LR, B1, B2, EPS, WD);
        assertThrows(IllegalArgumentException.class, () -> adam.step(Nd4j.zeros(3), Nd4j.zeros(2)));
    }
}
