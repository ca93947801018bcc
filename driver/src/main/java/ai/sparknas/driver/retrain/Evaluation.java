package ai.sparknas.driver.retrain;

import ai.sparknas.driver.data.ImageDataset;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.net.DiscreteKernel;

/** Evaluation-mode loss and correct sums over a range of a dataset, in batches (per image, so batching changes no result). */
public final class Evaluation {

    private Evaluation() {
    }

    /** Sums over records [from, from + count) of {@code data} in batches of {@code batch}. */
    public static GradientSums over(DiscreteKernel net, double[] w, double[] stats, ImageDataset data, int from, int count,
                                    int batch) {
        int size = data.imageSize();
        GradientSums sum = null;
        for (int at = from; at < from + count; at += batch) {
            int n = Math.min(batch, from + count - at);
            double[] images = new double[n * size];
            int[] labels = new int[n];
            float[] pixels = new float[size];
            for (int i = 0; i < n; i++) {
                data.copyImage(at + i, pixels, 0);
                for (int j = 0; j < size; j++) {
                    images[i * size + j] = pixels[j];
                }
                labels[i] = data.labels()[at + i];
            }
            GradientSums part = net.evaluate(w, stats, images, labels);
            sum = sum == null ? part : sum.plus(part);
        }
        return sum == null ? new GradientSums(0, 0, 0, null, null) : sum;
    }
}
