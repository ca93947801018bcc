package ai.sparknas.kernels.estimate;

import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A bilevel toy with closed-form gradients, all math in plain doubles:
 * <pre>
 *   L_train(w, α) = ½wᵀHw + αᵀBw + cᵀw + ½‖α‖²     ∇_w = Hw + Bᵀα + c,  ∇_α = Bw + α
 *   L_val(w, α)   = ½wᵀQw + αᵀDw + eᵀw + fᵀα       ∇_w = Qw + Dᵀα + e,  ∇_α = Dw + f
 * </pre>
 * Returns SUMS as a batch of {@link #TRAIN_COUNT} / {@link #VAL_COUNT} identical examples would
 * (mean × count), so the estimators' division is exercised, and counts calls per (split, wanted).
 */
final class QuadraticBilevelOracle implements GradientOracle {

    static final long TRAIN_COUNT = 7;
    static final long VAL_COUNT = 5;

    final double[][] h;
    final double[][] b;
    final double[] c;
    final double[][] q;
    final double[][] d;
    final double[] e;
    final double[] f;
    private final Map<Split, Map<Wanted, Integer>> calls = new EnumMap<>(Split.class);
    private final Map<Wanted, Integer> productCalls = new EnumMap<>(Wanted.class);

    QuadraticBilevelOracle(double[][] h, double[][] b, double[] c, double[][] q, double[][] d, double[] e, double[] f) {
        this.h = h;
        this.b = b;
        this.c = c;
        this.q = q;
        this.d = d;
        this.e = e;
        this.f = f;
    }

    /** A random problem: H = MᵀM + I (SPD), Q = NᵀN, the rest Gaussian. */
    static QuadraticBilevelOracle random(Random rnd, int n, int a) {
        return new QuadraticBilevelOracle(spd(rnd, n), gaussian(rnd, a, n), gaussian(rnd, n), gramian(gaussian(rnd, n, n)),
                gaussian(rnd, a, n), gaussian(rnd, n), gaussian(rnd, a));
    }

    @Override
    public void beginStep(int epoch, long step) {
    }

    @Override
    public GradientSums gradients(INDArray w, INDArray alpha, Split split, Wanted wanted) {
        calls.computeIfAbsent(split, s -> new EnumMap<>(Wanted.class)).merge(wanted, 1, Integer::sum);
        double[] wd = w.toDoubleVector();
        double[] ad = alpha.toDoubleVector();
        boolean train = split == Split.TRAIN;
        long count = train ? TRAIN_COUNT : VAL_COUNT;
        double loss = train ? trainLoss(wd, ad) : valLoss(wd, ad);
        double[] gw = wanted.weights() ? (train ? trainWeightGrad(wd, ad) : valWeightGrad(wd, ad)) : null;
        double[] ga = wanted.alpha() ? (train ? trainAlphaGrad(wd, ad) : valAlphaGrad(wd, ad)) : null;
        return new GradientSums(loss * count, 0, count, sum(gw, count), sum(ga, count));
    }

    /** Exact products of the TRAIN loss: ∇²_ww L·d = H·d, ∇²_αw L·d = B·d (as sums over the batch). */
    @Override
    public GradientSums products(INDArray w, INDArray dir, INDArray alpha, Split split, Wanted wanted) {
        productCalls.merge(wanted, 1, Integer::sum);
        double[] dd = dir.toDoubleVector();
        boolean train = split == Split.TRAIN;
        long count = train ? TRAIN_COUNT : VAL_COUNT;
        double loss = train ? trainLoss(w.toDoubleVector(), alpha.toDoubleVector())
                : valLoss(w.toDoubleVector(), alpha.toDoubleVector());
        double[] hw = wanted.weights() ? mul(train ? h : q, dd) : null;
        double[] ba = wanted.alpha() ? mul(train ? b : d, dd) : null;
        return new GradientSums(loss * count, 0, count, sum(hw, count), sum(ba, count));
    }

    /** Product passes with this wanted. */
    int productCalls(Wanted wanted) {
        return productCalls.getOrDefault(wanted, 0);
    }

    /** λ_max of a symmetric matrix by power iteration. */
    static double largestEigenvalue(double[][] m) {
        double[] x = new double[m.length];
        java.util.Arrays.fill(x, 1);
        double lambda = 0;
        for (int i = 0; i < 2000; i++) {
            double[] y = mul(m, x);
            lambda = norm(y) / norm(x);
            x = scale(y, 1 / norm(y));
        }
        return lambda;
    }

    private static INDArray sum(double[] mean, long count) {
        return mean == null ? null : Nd4j.createFromArray(scale(mean, count));
    }

    /** Calls with this (split, wanted). */
    int calls(Split split, Wanted wanted) {
        return calls.getOrDefault(split, Map.of()).getOrDefault(wanted, 0);
    }

    int totalCalls() {
        return calls.values().stream().flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum()
                + productCalls.values().stream().mapToInt(Integer::intValue).sum();
    }

    void resetCalls() {
        calls.clear();
        productCalls.clear();
    }

    double trainLoss(double[] w, double[] a) {
        return 0.5 * dot(w, mul(h, w)) + dot(a, mul(b, w)) + dot(c, w) + 0.5 * dot(a, a);
    }

    double valLoss(double[] w, double[] a) {
        return 0.5 * dot(w, mul(q, w)) + dot(a, mul(d, w)) + dot(e, w) + dot(f, a);
    }

    double[] trainWeightGrad(double[] w, double[] a) {
        return add(add(mul(h, w), mulT(b, a)), c);
    }

    double[] trainAlphaGrad(double[] w, double[] a) {
        return add(mul(b, w), a);
    }

    double[] valWeightGrad(double[] w, double[] a) {
        return add(add(mul(q, w), mulT(d, a)), e);
    }

    double[] valAlphaGrad(double[] w, double[] a) {
        return add(mul(d, w), f);
    }

    // ---- plain dense linear algebra ----

    static double[][] gaussian(Random rnd, int rows, int cols) {
        double[][] m = new double[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = gaussian(rnd, cols);
        }
        return m;
    }

    static double[] gaussian(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    /** MᵀM + I for a Gaussian M. */
    static double[][] spd(Random rnd, int n) {
        double[][] g = gramian(gaussian(rnd, n, n));
        for (int i = 0; i < n; i++) {
            g[i][i] += 1;
        }
        return g;
    }

    /** MᵀM. */
    static double[][] gramian(double[][] m) {
        int n = m[0].length;
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (double[] row : m) {
                    g[i][j] += row[i] * row[j];
                }
            }
        }
        return g;
    }

    static double[][] identity(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    static double[] mul(double[][] m, double[] x) {
        double[] y = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            y[i] = dot(m[i], x);
        }
        return y;
    }

    /** mᵀx. */
    static double[] mulT(double[][] m, double[] x) {
        double[] y = new double[m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < y.length; j++) {
                y[j] += m[i][j] * x[i];
            }
        }
        return y;
    }

    static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    static double[] add(double[] x, double[] y) {
        double[] z = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            z[i] = x[i] + y[i];
        }
        return z;
    }

    static double[] scale(double[] x, double s) {
        double[] z = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            z[i] = x[i] * s;
        }
        return z;
    }

    static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }

    /** Solves m·x = y by Gaussian elimination with partial pivoting. */
    static double[] solve(double[][] m, double[] y) {
        int n = y.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = java.util.Arrays.copyOf(m[i], n + 1);
            a[i][n] = y[i];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            for (int r = col + 1; r < n; r++) {
                double factor = a[r][col] / a[col][col];
                for (int k = col; k <= n; k++) {
                    a[r][k] -= factor * a[col][k];
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = a[i][n];
            for (int k = i + 1; k < n; k++) {
                s -= a[i][k] * x[k];
            }
            x[i] = s / a[i][i];
        }
        return x;
    }
}
