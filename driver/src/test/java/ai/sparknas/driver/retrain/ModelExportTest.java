package ai.sparknas.driver.retrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.Genotypes;
import ai.sparknas.kernels.net.DiscreteKernel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exported state_dict against a table of NetworkCIFAR's parameters written here from quark0/darts'
 * {@code model.py} and {@code operations.py} (module by module, not from our network), and the
 * safetensors file against its own reader.
 */
class ModelExportTest {

    /** name → shape of NetworkCIFAR(C, num_classes, layers, auxiliary, genotype).state_dict(), in module order. */
    static Map<String, long[]> networkCifar(Genotype g, int c, int layers, int classes, boolean auxiliary, int inCh) {
        Map<String, long[]> t = new LinkedHashMap<>();
        int cCurr = 3 * c;
        t.put("stem.0.weight", new long[] {cCurr, inCh, 3, 3});
        bn(t, "stem.1", cCurr);
        int cPrevPrev = cCurr;
        int cPrev = cCurr;
        cCurr = c;
        boolean reductionPrev = false;
        int cAux = 0;
        for (int i = 0; i < layers; i++) {
            boolean reduction = i == layers / 3 || i == 2 * layers / 3;
            if (reduction) {
                cCurr *= 2;
            }
            String p = "cells." + i;
            if (reductionPrev) {
                factorizedReduce(t, p + ".preprocess0", cPrevPrev, cCurr);
            } else {
                reluConvBn(t, p + ".preprocess0", cPrevPrev, cCurr);
            }
            reluConvBn(t, p + ".preprocess1", cPrev, cCurr);
            List<Genotype.Edge> edges = reduction ? g.reduce() : g.normal();
            for (int k = 0; k < edges.size(); k++) {
                int stride = reduction && edges.get(k).input() < 2 ? 2 : 1;
                op(t, p + "._ops." + k, edges.get(k).op(), cCurr, stride);
            }
            reductionPrev = reduction;
            cPrevPrev = cPrev;
            cPrev = (reduction ? g.reduceConcat() : g.normalConcat()).size() * cCurr;
            if (i == 2 * layers / 3) {
                cAux = cPrev;
            }
        }
        if (auxiliary) {
            t.put("auxiliary_head.features.2.weight", new long[] {128, cAux, 1, 1});
            bn(t, "auxiliary_head.features.3", 128);
            t.put("auxiliary_head.features.5.weight", new long[] {768, 128, 2, 2});
            bn(t, "auxiliary_head.features.6", 768);
            t.put("auxiliary_head.classifier.weight", new long[] {classes, 768});
            t.put("auxiliary_head.classifier.bias", new long[] {classes});
        }
        t.put("classifier.weight", new long[] {classes, cPrev});
        t.put("classifier.bias", new long[] {classes});
        return t;
    }

    static void bn(Map<String, long[]> t, String p, int c) {
        for (String s : List.of("weight", "bias", "running_mean", "running_var")) {
            t.put(p + "." + s, new long[] {c});
        }
        t.put(p + ".num_batches_tracked", new long[0]);
    }

    static void reluConvBn(Map<String, long[]> t, String p, int cin, int cout) {
        t.put(p + ".op.1.weight", new long[] {cout, cin, 1, 1});
        bn(t, p + ".op.2", cout);
    }

    static void factorizedReduce(Map<String, long[]> t, String p, int cin, int cout) {
        t.put(p + ".conv_1.weight", new long[] {cout / 2, cin, 1, 1});
        t.put(p + ".conv_2.weight", new long[] {cout / 2, cin, 1, 1});
        bn(t, p + ".bn", cout);
    }

    static void op(Map<String, long[]> t, String p, String name, int c, int stride) {
        switch (name) {
            case "sep_conv_3x3", "sep_conv_5x5" -> {
                int k = name.endsWith("3x3") ? 3 : 5;
                t.put(p + ".op.1.weight", new long[] {c, 1, k, k});
                t.put(p + ".op.2.weight", new long[] {c, c, 1, 1});
                bn(t, p + ".op.3", c);
                t.put(p + ".op.5.weight", new long[] {c, 1, k, k});
                t.put(p + ".op.6.weight", new long[] {c, c, 1, 1});
                bn(t, p + ".op.7", c);
            }
            case "dil_conv_3x3", "dil_conv_5x5" -> {
                int k = name.endsWith("3x3") ? 3 : 5;
                t.put(p + ".op.1.weight", new long[] {c, 1, k, k});
                t.put(p + ".op.2.weight", new long[] {c, c, 1, 1});
                bn(t, p + ".op.3", c);
            }
            case "skip_connect" -> {
                if (stride == 2) {
                    factorizedReduce(t, p, c, c);
                }
            }
            default -> { // pools: no parameters
            }
        }
    }

    static DiscreteKernel network(Genotype g, int c, int layers, int classes, boolean aux, int inCh, int side) {
        return DiscreteKernel.create(CellGenotypes.of(g).architecture(layers, c, inCh, side, side, classes, aux), 1,
                "float32");
    }

    static void assertStateDictIsNetworkCifars(Genotype g, int c, int layers, int classes, boolean aux, int inCh,
                                               int side) {
        try (DiscreteKernel net = network(g, c, layers, classes, aux, inCh, side)) {
            List<Safetensors.Tensor> dict = ModelExport.stateDict(net, net.initialWeights(1), net.initialStats(), 7);
            Map<String, long[]> expected = networkCifar(g, c, layers, classes, aux, inCh);
            List<String> names = dict.stream().map(Safetensors.Tensor::name).toList();
            List<String> want = new ArrayList<>(expected.keySet());
            for (int i = 0; i < Math.min(names.size(), want.size()); i++) {
                assertEquals(want.get(i), names.get(i), "state_dict entry " + i);
            }
            assertEquals(want.size(), names.size(), "state_dict entries");
            for (Safetensors.Tensor t : dict) {
                assertArrayEquals(expected.get(t.name()), t.shape(), t.name());
            }
        }
    }

    @Test
    void dartsV2AtDartsEvaluationShapeHasNetworkCifarsNamesAndShapes() {
        assertStateDictIsNetworkCifars(Genotypes.DARTS_V2, 36, 20, 10, true, 3, 32);
    }

    @Test
    void dartsV2HasThePublishedParameterCount() {
        // quark0/darts train.py logs "param size = 3.349342MB" for DARTS_V2 (C 36, L 20): the parameters
        // without the auxiliary head
        try (DiscreteKernel net = network(Genotypes.DARTS_V2, 36, 20, 10, true, 3, 32)) {
            long withoutAux = net.weightLayout().segments().stream().filter(s -> !s.name().startsWith("auxiliary"))
                    .mapToLong(s -> s.size()).sum();
            assertEquals(3_349_342, withoutAux);
        }
    }

    @Test
    void smallConfigsMatchToo() {
        assertStateDictIsNetworkCifars(Genotypes.DARTS_V1, 8, 5, 10, false, 1, 28);
        assertStateDictIsNetworkCifars(Genotypes.DARTS_V2, 4, 3, 3, true, 1, 32);
        // under 32x32 NetworkCIFAR's auxiliary head does not fit (its 2x2 conv meets a 1x1 map): ours is 1x1 there
        try (DiscreteKernel net = network(Genotypes.DARTS_V2, 4, 3, 3, true, 1, 20)) {
            assertArrayEquals(new long[] {768, 128, 1, 1}, net.weightLayout().get("auxiliary_head.features.5.weight").shape());
        }
    }

    @Test
    void safetensorsParsesBackToTheSameWeightsAndBuffers() throws IOException {
        try (DiscreteKernel net = network(Genotypes.DARTS_V2, 4, 3, 10, true, 1, 20)) {
            double[] w = net.initialWeights(3);
            double[] stats = net.initialStats();
            for (int i = 0; i < stats.length; i++) {
                stats[i] += 0.01 * i;
            }
            byte[] file = ModelExport.safetensors(net, w, stats, 42, Map.of("genotype", "DARTS_V2"));
            Map<String, Safetensors.Tensor> back = Safetensors.read(file, "test.safetensors");
            for (var s : net.weightLayout().segments()) {
                Safetensors.Tensor t = back.get(s.name());
                assertEquals("F32", t.dtype());
                assertArrayEquals(s.shape(), t.shape());
                for (int i = 0; i < s.size(); i++) {
                    assertEquals((float) w[(int) s.offset() + i], (float) t.values()[i], s.name());
                }
            }
            for (var s : net.statsLayout().segments()) {
                double[] v = back.get(s.name()).values();
                for (int i = 0; i < s.size(); i++) {
                    assertEquals((float) stats[(int) s.offset() + i], (float) v[i], s.name());
                }
            }
            Safetensors.Tensor tracked = back.get("stem.1.num_batches_tracked");
            assertEquals("I64", tracked.dtype());
            assertEquals(0, tracked.shape().length);
            assertEquals(42, tracked.values()[0]);
            assertEquals("DARTS_V2", Safetensors.metadata(file).get("genotype"));
            // 8-byte header length, header padded to a multiple of 8
            long n = java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, n % 8);
        }
    }

    @Test
    void damagedSafetensorsAreRefusedNamingTheFile() {
        byte[] ok = Safetensors.write(List.of(new Safetensors.Tensor("a", "F32", new long[] {2}, new double[] {1, 2})),
                Map.of());
        IOException truncated = assertThrows(IOException.class,
                () -> Safetensors.read(Arrays.copyOf(ok, ok.length - 1), "m.safetensors"));
        assertTrue(truncated.getMessage().startsWith("m.safetensors"), truncated.getMessage());
        byte[] longer = Arrays.copyOf(ok, ok.length + 4);
        assertThrows(IOException.class, () -> Safetensors.read(longer, "m.safetensors"));
        assertThrows(IOException.class, () -> Safetensors.read(new byte[5], "m.safetensors"));
    }
}
