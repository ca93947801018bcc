package ai.sparknas.driver.retrain;

import ai.sparknas.kernels.net.DiscreteKernel;
import ai.sparknas.kernels.net.DiscreteKernel.BatchNormLayer;
import ai.sparknas.kernels.net.ParameterLayout.Segment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The trained network as the {@code state_dict} of quark0/darts' PyTorch NetworkCIFAR for the same
 * genotype and (C, L, classes, auxiliary): ω's segments already carry NetworkCIFAR's parameter names
 * and PyTorch layouts, so the mapping is the identity on names; each BatchNorm adds its buffers
 * {@code running_mean}, {@code running_var} and {@code num_batches_tracked} (the training steps),
 * after its {@code weight} and {@code bias} as in a state_dict. Values are written as F32.
 */
public final class ModelExport {

    private ModelExport() {
    }

    /**
     * The tensors of the state_dict, in NetworkCIFAR's module order: stem, cells, auxiliary head,
     * classifier (ω declares the auxiliary head where the forward pass reaches it, after cell ⌊2L/3⌋).
     */
    public static List<Safetensors.Tensor> stateDict(DiscreteKernel net, double[] w, double[] stats, long steps) {
        List<Safetensors.Tensor> all = inLayoutOrder(net, w, stats, steps);
        List<Safetensors.Tensor> out = new ArrayList<>();
        for (String part : List.of("body", "auxiliary_head.", "classifier.")) {
            for (Safetensors.Tensor t : all) {
                String kind = t.name().startsWith("auxiliary_head.") ? "auxiliary_head."
                        : t.name().startsWith("classifier.") ? "classifier." : "body";
                if (kind.equals(part)) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private static List<Safetensors.Tensor> inLayoutOrder(DiscreteKernel net, double[] w, double[] stats, long steps) {
        java.util.Set<String> norms = new java.util.HashSet<>();
        for (BatchNormLayer bn : net.batchNorms()) {
            norms.add(bn.name());
        }
        List<Safetensors.Tensor> out = new ArrayList<>();
        for (Segment s : net.weightLayout().segments()) {
            out.add(tensor(s, w));
            String module = s.name().substring(0, s.name().lastIndexOf('.'));
            if (s.name().endsWith(".bias") && norms.contains(module)) {
                out.add(tensor(net.statsLayout().get(module + ".running_mean"), stats));
                out.add(tensor(net.statsLayout().get(module + ".running_var"), stats));
                out.add(new Safetensors.Tensor(module + ".num_batches_tracked", "I64", new long[0], new double[] {steps}));
            }
        }
        return out;
    }

    private static Safetensors.Tensor tensor(Segment s, double[] v) {
        int from = (int) s.offset();
        return new Safetensors.Tensor(s.name(), "F32", s.shape(), Arrays.copyOfRange(v, from, from + (int) s.size()));
    }

    /** The safetensors bytes of the state_dict with the genotype and shape as metadata. */
    public static byte[] safetensors(DiscreteKernel net, double[] w, double[] stats, long steps,
                                     Map<String, String> metadata) {
        return Safetensors.write(stateDict(net, w, stats, steps), metadata);
    }
}
