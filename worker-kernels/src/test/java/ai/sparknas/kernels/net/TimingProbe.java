package ai.sparknas.kernels.net;

import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

public class TimingProbe {
    public static void main(String[] a) {
        int layers = Integer.parseInt(a[0]), c = Integer.parseInt(a[1]), n = Integer.parseInt(a[2]), hw = Integer.parseInt(a[3]);
        int threads = Integer.parseInt(a[4]);
        SearchSpace space = SearchSpace.darts(layers, c, 1, hw, hw, 10, AlphaSharing.PER_TYPE);
        long t0 = System.nanoTime();
        SuperNetwork net = new SuperNetwork(space, threads);
        System.out.println("build " + (System.nanoTime() - t0) / 1e9 + " weights=" + net.weightLayout().size());
        INDArray w = net.initialWeights(1), al = net.initialAlpha(2);
        Random r = new Random(1);
        double[] x = new double[n * hw * hw];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = i % 10;
        for (Wanted wanted : new Wanted[]{Wanted.NONE, Wanted.ALPHA, Wanted.WEIGHTS, Wanted.BOTH}) {
            for (int rep = 0; rep < 4; rep++) {
                t0 = System.nanoTime();
                net.gradients(w, al, x, y, wanted);
                System.out.println(wanted + " " + (System.nanoTime() - t0) / 1e9);
            }
        }
    }
}
