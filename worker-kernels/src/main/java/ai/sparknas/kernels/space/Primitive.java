package ai.sparknas.kernels.space;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The candidate operations of a mixed edge, under their DARTS names. */
public enum Primitive {
    NONE("none"),
    MAX_POOL_3X3("max_pool_3x3"),
    AVG_POOL_3X3("avg_pool_3x3"),
    SKIP_CONNECT("skip_connect"),
    SEP_CONV_3X3("sep_conv_3x3"),
    SEP_CONV_5X5("sep_conv_5x5"),
    DIL_CONV_3X3("dil_conv_3x3"),
    DIL_CONV_5X5("dil_conv_5x5");

    private final String dartsName;

    Primitive(String dartsName) {
        this.dartsName = dartsName;
    }

    /** The name used in genotypes and configs, e.g. {@code sep_conv_3x3}. */
    public String dartsName() {
        return dartsName;
    }

    /** Looks an operation up by its DARTS name; the error lists the known names. */
    public static Primitive fromName(String name) {
        for (Primitive p : values()) {
            if (p.dartsName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown operation '" + name + "'; known operations: "
                + Arrays.stream(values()).map(Primitive::dartsName).collect(Collectors.joining(", ")));
    }
}
