package ai.sparknas.driver.genotype;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenotypesTest {
    // verbatim from quark0/darts cnn/genotypes.py
    static final String V1_PY = "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), "
            + "('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], "
            + "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
            + "('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], "
            + "reduce_concat=[2, 3, 4, 5])";

    @Test
    void publishedGenotypesMatchReferenceText() {
        assertEquals(V1_PY, GenotypeFormat.toDartsText(Genotypes.DARTS_V1));
        assertEquals(GenotypeFormatTest.V2_TEXT, GenotypeFormat.toDartsText(Genotypes.DARTS_V2));
        assertEquals(8, Genotypes.DARTS_V2.normal().size());
        assertEquals(List.of(2, 3, 4, 5), Genotypes.DARTS_V2.reduceConcat());
    }

    @Test
    void countsOpsPerCell() {
        assertEquals(2, Genotypes.count(Genotypes.DARTS_V2, false, "skip_connect"));
        assertEquals(5, Genotypes.count(Genotypes.DARTS_V2, false, "sep_conv_3x3"));
        assertEquals(1, Genotypes.count(Genotypes.DARTS_V2, false, "dil_conv_3x3"));
        assertEquals(5, Genotypes.count(Genotypes.DARTS_V2, true, "max_pool_3x3"));
        assertEquals(3, Genotypes.count(Genotypes.DARTS_V2, true, "skip_connect"));
        assertEquals(3, Genotypes.count(Genotypes.DARTS_V1, false, "skip_connect"));
        assertEquals(0, Genotypes.count(Genotypes.DARTS_V1, false, "none"));
    }

    @Test
    void lookupByName() {
        assertSame(Genotypes.DARTS_V2, Genotypes.byName("DARTS"));
        assertSame(Genotypes.DARTS_V1, Genotypes.byName("DARTS_V1"));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Genotypes.byName("PDARTS"));
        assertTrue(ex.getMessage().contains("PDARTS") && ex.getMessage().contains("DARTS_V2"), ex.getMessage());
    }
}
