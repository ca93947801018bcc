package ai.sparknas.kernels.net;

/**
 * BatchNorm in training mode (batch statistics, biased variance, eps 1e-5):
 * {@code x̂ = (x − μ_c)/√(σ²_c + eps)}; affine-free inside cells, {@code γ·x̂ + β} in the stem.
 * Backward: {@code ∂x = (1/σ̃)·(∂x̂ − mean(∂x̂) − x̂·mean(∂x̂·x̂))} per channel.
 */
final class BatchNorm {

    static final double EPS = (double) 1e-5;

    private BatchNorm() {
    }

    /** Affine-free BatchNorm. */
    static Tensor plain(Tape t, Tensor x) {
        return apply(t, x, -1, -1);
    }

    /** BatchNorm with γ at {@code gammaOff} and β at {@code betaOff} in the flat weights. */
    static Tensor affine(Tape t, Tensor x, int gammaOff, int betaOff) {
        return apply(t, x, gammaOff, betaOff);
    }

    private static Tensor apply(Tape t, Tensor x, int gammaOff, int betaOff) {
        int plane = x.plane();
        int m = x.n * plane;
        double[] inv = new double[x.c];
        Tensor xhat = x.toOverwrite(x.n, x.c, x.h, x.w);
        t.parallel(x.c, c -> {
            double sum = 0;
            for (int n = 0; n < x.n; n++) {
                sum += Blas1.sum(x.v, (n * x.c + c) * plane, plane);
            }
            double mean = sum / m;
            double sq = 0;
            for (int n = 0; n < x.n; n++) {
                int b = (n * x.c + c) * plane;
                for (int j = 0; j < plane; j++) {
                    xhat.v[b + j] = x.v[b + j] - mean;
                }
                sq += Blas1.dot(xhat.v, b, xhat.v, b, plane);
            }
            double scale = (double) (1 / Math.sqrt(sq / m + EPS));
            inv[c] = scale;
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
        t.onBackward(() -> {
            double[] dy = out.gradOrNull();
            if (dy == null) {
                return;
            }
            double[] dx = x.needsGrad ? x.grad() : null;
            t.parallel(x.c, c -> {
                double scale = affine ? t.weights[gammaOff + c] : 1;
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int n = 0; n < x.n; n++) {
                    int b = (n * x.c + c) * plane;
                    sumDy += Blas1.sum(dy, b, plane);
                    sumDyXhat += Blas1.dot(dy, b, xhat.v, b, plane);
                }
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
            });
        });
        return out;
    }
}
