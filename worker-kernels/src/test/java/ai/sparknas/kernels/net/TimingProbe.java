package ai.sparknas.kernels.net;

import ai.sparknas.kernels.grad.Wanted;
import ai.sparknas.kernels.space.AlphaSharing;
import ai.sparknas.kernels.space.SearchSpace;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public class TimingProbe {
    public static void main(String[] a) {
        int layers = Integer.parseInt(a[0]), c = Integer.parseInt(a[1]), n = Integer.parseInt(a[2]), hw = Integer.parseInt(a[3]);
        DataType dt = a.length > 4 ? DataType.valueOf(a[4]) : DataType.FLOAT;
        if (System.getProperty("nohelpers") != null) Nd4j.getEnvironment().allowHelpers(false);
        SearchSpace space = SearchSpace.darts(layers, c, 1, hw, hw, 10, AlphaSharing.PER_TYPE);
        long t0 = System.nanoTime();
        SuperNetwork net = new SuperNetwork(space, dt);
        System.out.println("build " + (System.nanoTime() - t0) / 1e9 + " ops=" + net.sameDiffOpCount() + " weights=" + net.weightLayout().size());
        INDArray w = net.initialWeights(1), al = net.initialAlpha(2);
        INDArray x = Nd4j.rand(dt, n, 1, hw, hw);
        INDArray y = Nd4j.zeros(dt, n, 10);
        for (int i = 0; i < n; i++) y.putScalar(i, i % 10, 1);
        for (Wanted wanted : new Wanted[]{Wanted.NONE, Wanted.ALPHA, Wanted.WEIGHTS, Wanted.BOTH, Wanted.NONE, Wanted.BOTH}) {
            for (int r = 0; r < 3; r++) {
                t0 = System.nanoTime();
                net.gradients(w, al, x, y, wanted);
                System.out.println(wanted + " " + (System.nanoTime() - t0) / 1e9);
            }
        }
    }
}
