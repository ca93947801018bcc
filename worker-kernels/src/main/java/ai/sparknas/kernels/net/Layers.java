package ai.sparknas.kernels.net;

import java.util.List;

/** The cheap layers: ReLU, strided subsampling, channel concat, the weighted sum of a node, the head. */
final class Layers {

    private Layers() {
    }

    static Tensor relu(Tape t, Tensor x) {
        Tensor y = x.toOverwrite(x.n, x.c, x.h, x.w);
        int per = x.v.length / x.n;
        t.parallel(x.n, n -> Blas1.relu(x.v, y.v, n * per, (n + 1) * per));
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null || !x.needsGrad) {
                return;
            }
            double[] dx = x.grad();
            t.parallel(x.n, n -> Blas1.reluBackward(x.v, dy, dx, n * per, (n + 1) * per));
        });
        return y;
    }

    /** {@code y[n, c, i, j] = x[n, c, 2i + shift, 2j + shift]}: the stride-2 grid of a 1×1 stride-2 conv. */
    static Tensor subsample(Tape t, Tensor x, int shift) {
        int oh = (x.h - shift + 1) / 2;
        int ow = (x.w - shift + 1) / 2;
        Tensor y = new Tensor(x.n, x.c, oh, ow, x.needsGrad, x.pool());
        for (int nc = 0; nc < x.n * x.c; nc++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    y.v[(nc * oh + i) * ow + j] = x.v[nc * x.plane() + (2 * i + shift) * x.w + 2 * j + shift];
                }
            }
        }
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null || !x.needsGrad) {
                return;
            }
            double[] dx = x.grad();
            for (int nc = 0; nc < x.n * x.c; nc++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        dx[nc * x.plane() + (2 * i + shift) * x.w + 2 * j + shift] += dy[(nc * oh + i) * ow + j];
                    }
                }
            }
        });
        return y;
    }

    /** Concatenation along channels. */
    static Tensor concat(Tape t, List<Tensor> parts) {
        Tensor first = parts.get(0);
        int c = parts.stream().mapToInt(p -> p.c).sum();
        Tensor y = first.toOverwrite(first.n, c, first.h, first.w);
        int plane = first.plane();
        int at = 0;
        for (Tensor p : parts) {
            for (int n = 0; n < p.n; n++) {
                System.arraycopy(p.v, n * p.c * plane, y.v, (n * c + at) * plane, p.c * plane);
            }
            at += p.c;
        }
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null) {
                return;
            }
            int from = 0;
            for (Tensor p : parts) {
                if (p.needsGrad) {
                    double[] dp = p.grad();
                    for (int n = 0; n < p.n; n++) {
                        Blas1.axpy(1, dy, (n * c + from) * plane, dp, n * p.c * plane, p.c * plane);
                    }
                }
                from += p.c;
            }
        });
        return y;
    }

    /**
     * A cell node: {@code y = Σ_t coef[idx_t] · x_t} where coef are the softmax weights of the edges'
     * operations. Backward adds {@code coef·∂y} to each term and {@code ⟨x_t, ∂y⟩} to {@code dCoef[idx_t]}.
     */
    static Tensor weightedSum(Tape t, List<Tensor> terms, int[] idx, double[] coef, double[] dCoef) {
        Tensor first = terms.get(0);
        Tensor y = first.like(true);
        int per = first.c * first.plane();
        t.parallel(first.n, n -> {
            for (int k = 0; k < terms.size(); k++) {
                Blas1.axpy(coef[idx[k]], terms.get(k).v, n * per, y.v, n * per, per);
            }
        });
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null) {
                return;
            }
            if (t.wantsAlphaGrad) {
                double[] dots = new double[terms.size()];
                t.parallel(terms.size(), k -> dots[k] = Blas1.dot(terms.get(k).v, 0, dy, 0, dy.length));
                for (int k = 0; k < terms.size(); k++) {
                    dCoef[idx[k]] += dots[k];
                }
            }
            for (int k = 0; k < terms.size(); k++) {
                Tensor x = terms.get(k);
                if (x.needsGrad) {
                    x.grad();
                }
            }
            t.parallel(first.n, n -> {
                for (int k = 0; k < terms.size(); k++) {
                    Tensor x = terms.get(k);
                    if (x.needsGrad) {
                        Blas1.axpy(coef[idx[k]], dy, n * per, x.gradOrNull(), n * per, per);
                    }
                }
            });
        });
        return y;
    }

    /**
     * Head: global average pool → Linear(c → classes) (weight {@code [classes, c]} at {@code wOff}, bias at
     * {@code bOff}) → softmax cross-entropy SUM over the batch. Fills {@code logitsOut[n·classes]}.
     */
    static double classifierLoss(Tape t, Tensor x, int wOff, int bOff, int classes, int[] labels, double[] logitsOut) {
        int plane = x.plane();
        double[] pooled = new double[x.n * x.c];
        for (int i = 0; i < pooled.length; i++) {
            double s = 0;
            for (int j = 0; j < plane; j++) {
                s += x.v[i * plane + j];
            }
            pooled[i] = s / plane;
        }
        double[] wt = t.weights;
        t.countMacs((long) x.n * classes * x.c);
        double loss = 0;
        double[] dLogits = new double[x.n * classes];
        for (int n = 0; n < x.n; n++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                double z = wt[bOff + k];
                for (int c = 0; c < x.c; c++) {
                    z += wt[wOff + k * x.c + c] * pooled[n * x.c + c];
                }
                logitsOut[n * classes + k] = z;
                max = Math.max(max, z);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(logitsOut[n * classes + k] - max);
            }
            double logSum = (double) (max + Math.log(sum));
            loss += logSum - logitsOut[n * classes + labels[n]];
            for (int k = 0; k < classes; k++) {
                dLogits[n * classes + k] = (double) (Math.exp(logitsOut[n * classes + k] - logSum) - (k == labels[n] ? 1 : 0));
            }
        }
        t.onBackward(() -> {
            double[] dx = x.grad();
            for (int n = 0; n < x.n; n++) {
                for (int k = 0; k < classes; k++) {
                    double d = dLogits[n * classes + k];
                    if (t.wantsWeightGrad()) {
                        t.weightGrad[bOff + k] += d;
                        for (int c = 0; c < x.c; c++) {
                            t.weightGrad[wOff + k * x.c + c] += d * pooled[n * x.c + c];
                        }
                    }
                    for (int c = 0; c < x.c; c++) {
                        double g = d * wt[wOff + k * x.c + c] / plane;
                        int b = (n * x.c + c) * plane;
                        for (int j = 0; j < plane; j++) {
                            dx[b + j] += g;
                        }
                    }
                }
            }
        });
        return loss;
    }
}
