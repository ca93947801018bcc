package ai.sparknas.driver.genotype;

import java.util.Map;
import java.util.TreeMap;

/** Published genotypes (text verbatim from quark0/darts {@code cnn/genotypes.py}) and small helpers. */
public final class Genotypes {

    /** DARTS first order, CIFAR-10. */
    public static final Genotype DARTS_V1 = GenotypeFormat.parseDartsText("Genotype(normal=[('sep_conv_3x3', 1), "
            + "('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), "
            + "('sep_conv_3x3', 0), ('skip_connect', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
            + "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), "
            + "('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])");

    /** DARTS second order, CIFAR-10. */
    public static final Genotype DARTS_V2 = GenotypeFormat.parseDartsText("Genotype(normal=[('sep_conv_3x3', 0), "
            + "('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), "
            + "('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
            + "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), "
            + "('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])");

    /** The reference code's default, {@code DARTS = DARTS_V2}. */
    public static final Genotype DARTS = DARTS_V2;

    private static final Map<String, Genotype> BY_NAME =
            new TreeMap<>(Map.of("DARTS_V1", DARTS_V1, "DARTS_V2", DARTS_V2, "DARTS", DARTS));

    private Genotypes() {
    }

    /**
     * @return the published genotype with that name ({@code DARTS}, {@code DARTS_V1}, {@code DARTS_V2})
     * @throws IllegalArgumentException if unknown, listing the known names
     */
    public static Genotype byName(String name) {
        Genotype g = BY_NAME.get(name);
        if (g == null) throw new IllegalArgumentException("unknown genotype '" + name + "'; known: " + BY_NAME.keySet());
        return g;
    }

    /** @return how many edges of the reduce ({@code reduce=true}) or normal cell use {@code op} */
    public static int count(Genotype g, boolean reduce, String op) {
        return (int) g.edges(reduce).stream().filter(e -> e.op().equals(op)).count();
    }
}
