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
        t.digest(x.v.length, i -> x.v[i] > 0 ? 1 : 0);
        // J = diag(x > 0), its own transpose
        return LocallyLinear.track(t, x, y, new LocallyLinear() {
            @Override
            public void jacobian(double[] in, double[] out) {
                t.parallel(x.n, n -> Blas1.reluBackward(x.v, in, out, n * per, (n + 1) * per));
            }

            @Override
            public void transpose(double[] dOut, double[] dIn) {
                jacobian(dOut, dIn);
            }
        });
    }

    /** {@code y[n, c, i, j] = x[n, c, 2i + shift, 2j + shift]}: the stride-2 grid of a 1×1 stride-2 conv. */
    static Tensor subsample(Tape t, Tensor x, int shift) {
        int oh = (x.h - shift + 1) / 2;
        int ow = (x.w - shift + 1) / 2;
        Tensor y = new Tensor(x.n, x.c, oh, ow, x.needsGrad, x.pool());
        LocallyLinear op = new LocallyLinear() {
            @Override
            public void jacobian(double[] in, double[] out) {
                for (int nc = 0; nc < x.n * x.c; nc++) {
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            out[(nc * oh + i) * ow + j] += in[nc * x.plane() + (2 * i + shift) * x.w + 2 * j + shift];
                        }
                    }
                }
            }

            @Override
            public void transpose(double[] dOut, double[] dIn) {
                for (int nc = 0; nc < x.n * x.c; nc++) {
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            dIn[nc * x.plane() + (2 * i + shift) * x.w + 2 * j + shift] += dOut[(nc * oh + i) * ow + j];
                        }
                    }
                }
            }
        };
        op.jacobian(x.v, y.v);
        return LocallyLinear.track(t, x, y, op);
    }

    /**
     * Drop-path (DARTS' {@code drop_path}): {@code y[n] = x[n]·keep[n]/p} with p the keep probability
     * and keep[n] ∈ {0, 1} the example's draw; linear in x, so its Jacobian is that scale per example.
     */
    static Tensor dropPath(Tape t, Tensor x, double keepProbability, boolean[] keep) {
        int per = x.v.length / x.n;
        double inv = (double) (1 / keepProbability);
        Tensor y = x.sibling(x.n, x.c, x.h, x.w); // zero: the Jacobian adds
        LocallyLinear op = new LocallyLinear() {
            @Override
            public void jacobian(double[] in, double[] out) {
                t.parallel(x.n, n -> {
                    if (keep[n]) {
                        Blas1.axpy(inv, in, n * per, out, n * per, per);
                    }
                });
            }

            @Override
            public void transpose(double[] dOut, double[] dIn) {
                jacobian(dOut, dIn);
            }
        };
        op.jacobian(x.v, y.v);
        return LocallyLinear.track(t, x, y, op);
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
                if (t.rop() && p.t != null) {
                    System.arraycopy(p.t, n * p.c * plane, y.tangent(), (n * c + at) * plane, p.c * plane);
                }
            }
            at += p.c;
        }
        t.onBackward(() -> {
            split(y.gradOrNull(), parts, c, plane, Tensor::grad);
            split(y.tangentGradOrNull(), parts, c, plane, Tensor::tangentGrad);
        }, y);
        return y;
    }

    /** Adds the channel slices of {@code dy} (a gradient of the concat, or its tangent) to the parts'. */
    private static void split(double[] dy, List<Tensor> parts, int c, int plane,
                              java.util.function.Function<Tensor, double[]> into) {
        if (dy == null) {
            return;
        }
        int from = 0;
        for (Tensor p : parts) {
            if (p.needsGrad) {
                double[] dp = into.apply(p);
                for (int n = 0; n < p.n; n++) {
                    Blas1.axpy(1, dy, (n * c + from) * plane, dp, n * p.c * plane, p.c * plane);
                }
            }
            from += p.c;
        }
    }

    /**
     * A cell node: {@code y = Σ_t coef[idx_t] · x_t} where coef are the softmax weights of the edges'
     * operations. Backward adds {@code coef·∂y} to each term and {@code ⟨x_t, ∂y⟩} to {@code dCoef[idx_t]}.
     * In an R-pass (coef fixed: the direction lies in ω) {@code ẏ = Σ coef·ẋ_t}, the terms' gradient
     * tangents get {@code coef·(∂y)˙} and, when the tape wants the α tangent,
     * {@code dCoefTangent[idx_t] += ⟨ẋ_t, ∂y⟩ + ⟨x_t, (∂y)˙⟩}.
     */
    static Tensor weightedSum(Tape t, List<Tensor> terms, int[] idx, double[] coef, double[] dCoef,
                              double[] dCoefTangent) {
        Tensor first = terms.get(0);
        Tensor y = first.like(true);
        int per = first.c * first.plane();
        t.parallel(first.n, n -> {
            for (int k = 0; k < terms.size(); k++) {
                Blas1.axpy(coef[idx[k]], terms.get(k).v, n * per, y.v, n * per, per);
            }
        });
        if (t.rop()) {
            double[] yt = y.tangent();
            t.parallel(first.n, n -> {
                for (int k = 0; k < terms.size(); k++) {
                    if (terms.get(k).t != null) {
                        Blas1.axpy(coef[idx[k]], terms.get(k).t, n * per, yt, n * per, per);
                    }
                }
            });
        }
        t.onBackward(() -> {
            double[] dy = y.gradOrNull();
            if (dy == null) {
                return;
            }
            double[] dyt = y.tangentGradOrNull();
            if (t.wantsAlphaGrad) {
                addDots(t, terms, k -> terms.get(k).v, dy, idx, dCoef);
            }
            if (t.wantsAlphaTangent) {
                addDots(t, terms, k -> terms.get(k).t, dy, idx, dCoefTangent);
                if (dyt != null) {
                    addDots(t, terms, k -> terms.get(k).v, dyt, idx, dCoefTangent);
                }
            }
            spread(t, terms, idx, coef, dy, Tensor::grad, per);
            if (dyt != null) {
                spread(t, terms, idx, coef, dyt, Tensor::tangentGrad, per);
            }
        }, y);
        return y;
    }

    /** {@code dCoef[idx_k] += ⟨a_k, dy⟩} over the terms whose array {@code a_k} is non-null. */
    private static void addDots(Tape t, List<Tensor> terms, java.util.function.IntFunction<double[]> a, double[] dy,
                                int[] idx, double[] dCoef) {
        double[] dots = new double[terms.size()];
        t.parallel(terms.size(), k -> dots[k] = a.apply(k) == null ? 0 : Blas1.dot(a.apply(k), 0, dy, 0, dy.length));
        for (int k = 0; k < terms.size(); k++) {
            dCoef[idx[k]] += dots[k];
        }
    }

    /** {@code into(x_k) += coef[idx_k]·dy} for every term that needs a gradient. */
    private static void spread(Tape t, List<Tensor> terms, int[] idx, double[] coef, double[] dy,
                               java.util.function.Function<Tensor, double[]> into, int per) {
        double[][] dx = new double[terms.size()][];
        for (int k = 0; k < terms.size(); k++) {
            if (terms.get(k).needsGrad) {
                dx[k] = into.apply(terms.get(k));
            }
        }
        t.parallel(terms.get(0).n, n -> {
            for (int k = 0; k < terms.size(); k++) {
                if (dx[k] != null) {
                    Blas1.axpy(coef[idx[k]], dy, n * per, dx[k], n * per, per);
                }
            }
        });
    }

    /**
     * Head: global average pool → Linear(c → classes) (weight {@code [classes, c]} at {@code wOff}, bias at
     * {@code bOff}) → softmax cross-entropy SUM over the batch. Fills {@code logitsOut[n·classes]}.
     *
     * <p>R-pass, with p the pooled features, z the logits, s = softmax(z) and δ = s − onehot = ∂z:
     * {@code ż = Ẇ·p + W·ṗ + ḃ}, {@code δ̇ = s ⊙ (ż − ⟨s, ż⟩)} (the softmax Hessian, the loss's own
     * curvature), {@code (∂W)˙ += δ̇·pᵀ + δ·ṗᵀ}, {@code (∂b)˙ += δ̇}, {@code (∂x)˙ = (Ẇᵀδ + Wᵀδ̇)/plane}.
     */
    static double classifierLoss(Tape t, Tensor x, int wOff, int bOff, int classes, int[] labels, double[] logitsOut) {
        return classifierLoss(t, x, wOff, bOff, classes, labels, logitsOut, 1);
    }

    /**
     * The head as above, whose loss enters the differentiated objective with the factor {@code weight}
     * (an auxiliary head's 0.4): the returned sum is unweighted, the gradients are those of
     * {@code weight·loss}.
     */
    static double classifierLoss(Tape t, Tensor x, int wOff, int bOff, int classes, int[] labels, double[] logitsOut,
                                 double weight) {
        int plane = x.plane();
        double[] pooled = pool(x.v, x.n * x.c, plane);
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
        double[] pooledT = t.rop() && x.t != null ? pool(x.t, x.n * x.c, plane) : new double[x.n * x.c];
        double[] dLogitsT = t.rop() ? logitTangents(t, x.n, x.c, classes, wOff, bOff, labels, pooled, pooledT, dLogits)
                : null;
        if (weight != 1) { // after the tangents, which read softmax(z) = δ + onehot from the unweighted δ
            for (int i = 0; i < dLogits.length; i++) {
                dLogits[i] *= weight;
                if (dLogitsT != null) {
                    dLogitsT[i] *= weight;
                }
            }
        }
        t.onBackward(() -> {
            head(t.weights, t.weightGrad, x.grad(), x.n, x.c, plane, classes, wOff, bOff, dLogits, pooled);
            if (dLogitsT != null) { // (∂W)˙ = δ̇·pᵀ + δ·ṗᵀ, (∂x)˙ = (Wᵀδ̇ + Ẇᵀδ)/plane
                double[] dxt = x.tangentGrad();
                head(t.weights, t.weightGradTangent, dxt, x.n, x.c, plane, classes, wOff, bOff, dLogitsT, pooled);
                head(t.direction, null, dxt, x.n, x.c, plane, classes, wOff, bOff, dLogits, pooled);
                if (t.weightGradTangent != null) {
                    head(null, t.weightGradTangent, null, x.n, x.c, plane, classes, wOff, -1, dLogits, pooledT);
                }
            }
        });
        return loss;
    }

    /** Plane means of {@code planes} consecutive planes. */
    private static double[] pool(double[] v, int planes, int plane) {
        double[] pooled = new double[planes];
        for (int i = 0; i < planes; i++) {
            double s = 0;
            for (int j = 0; j < plane; j++) {
                s += v[i * plane + j];
            }
            pooled[i] = s / plane;
        }
        return pooled;
    }

    /** δ̇ = s ⊙ (ż − ⟨s, ż⟩) per example, with ż = D_W·p + W·ṗ + D_b and s = δ + onehot. */
    private static double[] logitTangents(Tape t, int n, int cs, int classes, int wOff, int bOff, int[] labels,
                                          double[] pooled, double[] pooledT, double[] dLogits) {
        double[] wt = t.weights;
        double[] d = t.direction;
        double[] out = new double[n * classes];
        double[] zt = new double[classes];
        for (int i = 0; i < n; i++) {
            double mean = 0;
            for (int k = 0; k < classes; k++) {
                double z = d[bOff + k];
                for (int c = 0; c < cs; c++) {
                    z += d[wOff + k * cs + c] * pooled[i * cs + c] + wt[wOff + k * cs + c] * pooledT[i * cs + c];
                }
                zt[k] = z;
                mean += softmax(dLogits, i * classes + k, k == labels[i]) * z;
            }
            for (int k = 0; k < classes; k++) {
                out[i * classes + k] = softmax(dLogits, i * classes + k, k == labels[i]) * (zt[k] - mean);
            }
        }
        return out;
    }

    private static double softmax(double[] dLogits, int at, boolean label) {
        return label ? dLogits[at] + 1 : dLogits[at];
    }

    /**
     * The head's backward for logit gradients {@code d}: {@code wGrad += d·pᵀ} (and the bias), when
     * non-null (the bias only when {@code bOff >= 0}); {@code dx += (wᵀd)/plane} spread over each plane, when
     * {@code w} and dx are non-null.
     */
    private static void head(double[] w, double[] wGrad, double[] dx, int ns, int cs, int plane, int classes,
                             int wOff, int bOff, double[] d, double[] pooled) {
        for (int n = 0; n < ns; n++) {
            for (int k = 0; k < classes; k++) {
                double dk = d[n * classes + k];
                if (wGrad != null) {
                    if (bOff >= 0) {
                        wGrad[bOff + k] += dk;
                    }
                    for (int c = 0; c < cs; c++) {
                        wGrad[wOff + k * cs + c] += dk * pooled[n * cs + c];
                    }
                }
                if (w != null && dx != null) {
                    for (int c = 0; c < cs; c++) {
                        double g = dk * w[wOff + k * cs + c] / plane;
                        int b = (n * cs + c) * plane;
                        for (int j = 0; j < plane; j++) {
                            dx[b + j] += g;
                        }
                    }
                }
            }
        }
    }

    /** How many rows of {@code logits} ({@code n × classes}) have their first maximum at the label. */
    static long correct(double[] logits, int[] labels) {
        int classes = logits.length / labels.length;
        long correct = 0;
        for (int n = 0; n < labels.length; n++) {
            int best = 0;
            for (int k = 1; k < classes; k++) {
                if (logits[n * classes + k] > logits[n * classes + best]) {
                    best = k;
                }
            }
            if (best == labels[n]) {
                correct++;
            }
        }
        return correct;
    }

    /** Refuses a flat vector whose length is not the network's. */
    static void checkLength(String what, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + " vector has length " + actual + ", the network expects "
                    + expected + " (was it made for another search space or architecture?)");
        }
    }

    /** A float64 array (images, weights) in the kernels' storage precision: a copy. */
    static double[] storage(
            double[] v) { // keep-f64
        double[] out = new double[v.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (double) v[i];
        }
        return out;
    }
}
