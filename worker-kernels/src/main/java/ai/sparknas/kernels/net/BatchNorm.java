package ai.sparknas.kernels.net;

/**
 * BatchNorm in training mode (batch statistics, biased variance, eps 1e-5):
 * {@code x̂ = (x − μ_c)/√(σ²_c + eps)}; affine-free inside cells, {@code γ·x̂ + β} in the stem.
 * Backward: {@code ∂x = (1/σ̃)·(∂x̂ − mean(∂x̂) − x̂·mean(∂x̂·x̂))} per channel.
 *
 * <p>R-pass, per channel with inv = 1/σ̃, ρ = mean(x̂·ẋ), g = γ (1 without affine), A = mean(∂y),
 * B = mean(∂y·x̂): the Jacobian is symmetric, so {@code x̂̇ = inv·(ẋ − mean(ẋ) − x̂·ρ)} and
 * {@code ẏ = γ·x̂̇ + γ̇·x̂ + β̇}; from {@code ∂x = g·inv·(∂y − A − x̂·B)} and {@code inv̇ = −inv²·ρ},
 * <pre>
 *   (∂x)˙ = (ġ·inv − g·inv²·ρ)·(∂y − A − x̂·B) + g·inv·((∂y)˙ − Ȧ − x̂̇·B − x̂·Ḃ),
 *   Ȧ = mean((∂y)˙),  Ḃ = mean((∂y)˙·x̂ + ∂y·x̂̇),  (∂γ)˙ = m·Ḃ,  (∂β)˙ = m·Ȧ.
 * </pre>
 */
final class BatchNorm {

    static final double EPS = (double) 1e-5;

    private BatchNorm() {
    }

    /** Affine-free BatchNorm. */
    static Tensor plain(Tape t, Tensor x) {
        return apply(t, x, -1, -1, null, 0);
    }

    /** BatchNorm with γ at {@code gammaOff} and β at {@code betaOff} in the flat weights. */
    static Tensor affine(Tape t, Tensor x, int gammaOff, int betaOff) {
        return apply(t, x, gammaOff, betaOff, null, 0);
    }

    /**
     * Affine BatchNorm in training mode that also adds each channel's batch moments to
     * {@code moments}: {@code Σx} at {@code at + c} and {@code Σx²} at {@code at + C + c} (sums over the
     * batch and the plane: the caller divides, over every partition's batch, for the running statistics).
     */
    static Tensor affine(Tape t, Tensor x, int gammaOff, int betaOff, double[] moments, int at) { // keep-f64
        return apply(t, x, gammaOff, betaOff, moments, at);
    }

    /**
     * BatchNorm in evaluation mode: {@code y = γ·(x − μ_c)/√(σ²_c + eps) + β} with the running mean at
     * {@code stats[meanAt + c]} and the running variance at {@code stats[varAt + c]}. Forward only (an
     * evaluation pass is never differentiated).
     */
    static Tensor frozen(Tape t, Tensor x, int gammaOff, int betaOff, double[] stats, int meanAt, int varAt) { // keep-f64
        Tensor y = x.toOverwrite(x.n, x.c, x.h, x.w);
        int plane = x.plane();
        t.parallel(x.c, c -> {
            double scale = (double) (t.weights[gammaOff + c] / Math.sqrt(stats[varAt + c] + EPS));
            double shift = (double) (t.weights[betaOff + c] - stats[meanAt + c] * scale);
            for (int n = 0; n < x.n; n++) {
                int b = (n * x.c + c) * plane;
                for (int j = 0; j < plane; j++) {
                    y.v[b + j] = x.v[b + j] * scale + shift;
                }
            }
        });
        return y;
    }

    private static Tensor apply(Tape t, Tensor x, int gammaOff, int betaOff,
                                double[] moments, int at) { // keep-f64
        int cs = x.c;
        int plane = x.plane();
        int m = x.n * plane;
        double[] inv = new double[x.c];
        Tensor xhat = x.toOverwrite(x.n, x.c, x.h, x.w);
        t.parallel(x.c, c -> {
            double sum = Blas1.sumSlices(x.v, c * plane, cs * plane, x.n, plane);
            double mean = sum / m;
            for (int n = 0; n < x.n; n++) {
                int b = (n * x.c + c) * plane;
                for (int j = 0; j < plane; j++) {
                    xhat.v[b + j] = x.v[b + j] - mean;
                }
            }
            double sq = Blas1.dotSlices(xhat.v, c * plane, xhat.v, c * plane, cs * plane, x.n, plane);
            double scale = (double) (1 / Math.sqrt(sq / m + EPS));
            inv[c] = scale;
            if (moments != null) { // Σx² = Σ(x − μ)² + μ·Σx
                moments[at + c] += sum;
                moments[at + cs + c] += sq + mean * sum;
            }
            for (int n = 0; n < x.n; n++) {
                int b = (n * x.c + c) * plane;
                for (int j = 0; j < plane; j++) {
                    xhat.v[b + j] *= scale;
                }
            }
        });
        boolean affine = gammaOff >= 0;
        Tensor y = xhat;
        if (affine) {
            y = x.toOverwrite(x.n, x.c, x.h, x.w);
            for (int c = 0; c < x.c; c++) {
                double g = t.weights[gammaOff + c];
                double bt = t.weights[betaOff + c];
                for (int n = 0; n < x.n; n++) {
                    int b = (n * x.c + c) * plane;
                    for (int j = 0; j < plane; j++) {
                        y.v[b + j] = g * xhat.v[b + j] + bt;
                    }
                }
            }
        }
        Tensor out = y;
        // R-pass: x̂̇ (in out's tangent when there is no affine step) and ρ per channel
        double[] rho = new double[x.c];
        double[] xhatT = t.rop() ? (affine ? new double[xhat.v.length] : y.tangent()) : null;
        if (t.rop()) {
            if (x.t != null) {
                t.parallel(x.c, c -> {
                    double sumT = Blas1.sumSlices(x.t, c * plane, cs * plane, x.n, plane);
                    double sumXhatT = Blas1.dotSlices(xhat.v, c * plane, x.t, c * plane, cs * plane, x.n, plane);
                    double meanT = sumT / m;
                    rho[c] = sumXhatT / m;
                    for (int n = 0; n < x.n; n++) {
                        int b = (n * x.c + c) * plane;
                        for (int j = 0; j < plane; j++) {
                            xhatT[b + j] = inv[c] * (x.t[b + j] - meanT - xhat.v[b + j] * rho[c]);
                        }
                    }
                });
            }
            if (affine) {
                double[] yt = y.tangent();
                double[] d = t.direction;
                for (int c = 0; c < x.c; c++) {
                    double g = t.weights[gammaOff + c];
                    double gt = d[gammaOff + c];
                    double bt = d[betaOff + c];
                    for (int n = 0; n < x.n; n++) {
                        int b = (n * x.c + c) * plane;
                        for (int j = 0; j < plane; j++) {
                            yt[b + j] = g * xhatT[b + j] + gt * xhat.v[b + j] + bt;
                        }
                    }
                }
            }
        }
        t.onBackward(() -> {
            double[] dy = out.gradOrNull();
            if (dy == null) {
                return;
            }
            double[] dx = x.needsGrad ? x.grad() : null;
            double[] dyt = out.tangentGradOrNull();
            double[] dxt = t.rop() && x.needsGrad ? x.tangentGrad() : null;
            t.parallel(x.c, c -> {
                double scale = affine ? t.weights[gammaOff + c] : 1;
                double sumDy = Blas1.sumSlices(dy, c * plane, cs * plane, x.n, plane);
                double sumDyXhat = Blas1.dotSlices(dy, c * plane, xhat.v, c * plane, cs * plane, x.n, plane);
                if (affine && t.wantsWeightGrad()) {
                    t.weightGrad[gammaOff + c] += sumDyXhat;
                    t.weightGrad[betaOff + c] += sumDy;
                }
                if (dx != null) {
                    double meanDy = sumDy / m;
                    double meanDyXhat = sumDyXhat / m;
                    double k = scale * inv[c];
                    for (int n = 0; n < x.n; n++) {
                        int b = (n * x.c + c) * plane;
                        for (int j = 0; j < plane; j++) {
                            dx[b + j] += k * (dy[b + j] - meanDy - xhat.v[b + j] * meanDyXhat);
                        }
                    }
                }
                if (t.rop()) {
                    tangent(t, x, xhat.v, xhatT, inv[c], rho[c], affine ? gammaOff : -1, affine ? betaOff : -1, c,
                            dy, dyt, dxt, sumDy / m, sumDyXhat / m);
                }
            });
        }, affine ? new Tensor[] {out, xhat} : new Tensor[] {out}); // each once: x̂ is the output without γ, β
        return out;
    }

    /** One channel's tangents of ∂x, ∂γ and ∂β (the class comment's formulas); A, B are the primal means. */
    private static void tangent(Tape t, Tensor x, double[] xhat, double[] xhatT, double inv, double rho, int gammaOff,
                                int betaOff, int c, double[] dy, double[] dyt, double[] dxt, double a, double bm) {
        int plane = x.plane();
        int m = x.n * plane;
        int stride = x.c * plane;
        double sumDyt = dyt == null ? 0 : Blas1.sumSlices(dyt, c * plane, stride, x.n, plane);
        double sumB = (dyt == null ? 0 : Blas1.dotSlices(dyt, c * plane, xhat, c * plane, stride, x.n, plane))
                + Blas1.dotSlices(dy, c * plane, xhatT, c * plane, stride, x.n, plane);
        if (gammaOff >= 0 && t.weightGradTangent != null) {
            t.weightGradTangent[gammaOff + c] += sumB;
            t.weightGradTangent[betaOff + c] += sumDyt;
        }
        if (dxt == null) {
            return;
        }
        double g = gammaOff >= 0 ? t.weights[gammaOff + c] : 1;
        double gt = gammaOff >= 0 ? t.direction[gammaOff + c] : 0;
        double at = sumDyt / m;
        double bt = sumB / m;
        double k0 = gt * inv - g * inv * inv * rho;
        double k1 = g * inv;
        for (int n = 0; n < x.n; n++) {
            int b = (n * x.c + c) * plane;
            for (int j = 0; j < plane; j++) {
                int i = b + j;
                double primal = dy[i] - a - xhat[i] * bm;
                double dyti = dyt == null ? 0 : dyt[i];
                dxt[i] += k0 * primal + k1 * (dyti - at - xhatT[i] * bm - xhat[i] * bt);
            }
        }
    }
}
