package ai.sparknas.kernels.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** CG and MINRES against dense solves: SPD, damped, and indefinite symmetric systems. */
class KrylovSolversTest {

    private static INDArray nd(double[] x) {
        return Nd4j.createFromArray(x.clone());
    }

    private static double relError(double[] expected, INDArray actual) {
        double[] d = QuadraticBilevelOracle.add(actual.toDoubleVector(), QuadraticBilevelOracle.scale(expected, -1));
        return QuadraticBilevelOracle.norm(d) / QuadraticBilevelOracle.norm(expected);
    }

    /** A symmetric matrix with the given eigenvalues in a random orthonormal basis. */
    private static double[][] withEigenvalues(Random r, double[] eig) {
        int n = eig.length;
        double[][] q = QuadraticBilevelOracle.gaussian(r, n, n);
        for (int i = 0; i < n; i++) { // Gram-Schmidt on the rows
            for (int j = 0; j < i; j++) {
                double p = QuadraticBilevelOracle.dot(q[i], q[j]);
                q[i] = QuadraticBilevelOracle.add(q[i], QuadraticBilevelOracle.scale(q[j], -p));
            }
            q[i] = QuadraticBilevelOracle.scale(q[i], 1 / QuadraticBilevelOracle.norm(q[i]));
        }
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    m[i][j] += q[k][i] * eig[k] * q[k][j];
                }
            }
        }
        return m;
    }

    @Test
    void bothSolveASpdSystem() {
        Random r = new Random(1);
        double[][] h = QuadraticBilevelOracle.spd(r, 8);
        double[] b = QuadraticBilevelOracle.gaussian(r, 8);
        double[] x = QuadraticBilevelOracle.solve(h, b);
        var cg = ConjugateGradient.solve(d -> nd(QuadraticBilevelOracle.mul(h, d.toDoubleVector())), nd(b), 0, 50, 1e-12);
        var mr = Minres.solve(d -> nd(QuadraticBilevelOracle.mul(h, d.toDoubleVector())), nd(b), 0, 50, 1e-12);
        assertTrue(relError(x, cg.p()) < 1e-9, "CG " + relError(x, cg.p()));
        assertTrue(relError(x, mr.p()) < 1e-9, "MINRES " + relError(x, mr.p()));
        assertTrue(cg.residual() <= 1e-12 && mr.residual() <= 1e-12);
        assertTrue(mr.products() <= 9, "MINRES in at most n + 1 products: " + mr.products());
    }

    @Test
    void minresSolvesAnIndefiniteDampedSystemWhereCgStops() {
        Random r = new Random(2);
        double[] eig = {-3, -1, -0.2, 0.5, 1, 2, 4, 9, 15, 30};
        double[][] h = withEigenvalues(r, eig);
        double lambda = 0.1;
        double[][] damped = new double[eig.length][];
        for (int i = 0; i < eig.length; i++) {
            damped[i] = h[i].clone();
            damped[i][i] += lambda;
        }
        double[] b = QuadraticBilevelOracle.gaussian(r, eig.length);
        double[] x = QuadraticBilevelOracle.solve(damped, b);
        var mr = Minres.solve(d -> nd(QuadraticBilevelOracle.mul(h, d.toDoubleVector())), nd(b), lambda, 100, 1e-12);
        assertTrue(relError(x, mr.p()) < 1e-8, "MINRES on an indefinite system: " + relError(x, mr.p()));
        double[] res = QuadraticBilevelOracle.add(QuadraticBilevelOracle.mul(damped, mr.p().toDoubleVector()),
                QuadraticBilevelOracle.scale(b, -1));
        assertEquals(QuadraticBilevelOracle.norm(res) / QuadraticBilevelOracle.norm(b), mr.residual(), 1e-9,
                "the residual estimate is the true residual");
        var cg = ConjugateGradient.solve(d -> nd(QuadraticBilevelOracle.mul(h, d.toDoubleVector())), nd(b), lambda, 100,
                1e-12);
        assertTrue(cg.negativeCurvature() || relError(x, cg.p()) < 1e-8, "CG either stops or converges");
        assertFalse(mr.negativeCurvature());
    }
}
