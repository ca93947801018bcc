package ai.sparknas.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.DataLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The examples-per-partition rules: at least 2 everywhere, at least the floor for an explicit spark.partitions. */
class SearchSetupTest {

    /** 32 records per half. */
    private static final DataLayout LAYOUT = SearchSetup.layoutOf(SearchLoopTest.syntheticData());

    private static SearchConfig config(int batch, String... more) {
        List<String> o = new ArrayList<>(List.of("search.layers=3", "search.channels=4", "search.batch=" + batch,
                "search.epochs=1", "data.classes=4", "search.estimator=first-order", "compute.threads=1"));
        o.addAll(List.of(more));
        return SearchConfig.load(null, o);
    }

    private static SearchSetup setup(SearchConfig cfg, int partitions, boolean explicit) {
        SearchSetup s = new SearchSetup(cfg, LAYOUT, partitions, 1, explicit);
        s.network.close();
        return s;
    }

    @Test
    void explicitPartitionsBelowTheFloorAreRefusedNamingBothKeys() {
        // 16 examples over 4 explicit partitions: 4 each, below the default floor of 16
        ConfigException e = assertThrows(ConfigException.class,
                () -> setup(config(16, "spark.partitions=4"), 4, true));
        assertEquals("sparknas.spark.partitions", e.key());
        String m = e.getMessage();
        assertTrue(m.contains("sparknas.spark.partitions") && m.contains("sparknas.spark.min-examples-per-partition"), m);
        assertTrue(m.contains("4 examples per partition") && m.contains("= 16"), m);
        assertTrue(m.contains("fewer partitions") && m.contains("larger search.batch") && m.contains("at least 64")
                && m.contains("lower spark.min-examples-per-partition"), m);
        // 8 partitions of a 32 batch: 4 each, below a floor of 8
        ConfigException eight = assertThrows(ConfigException.class,
                () -> setup(config(32, "spark.partitions=8", "spark.min-examples-per-partition=8"), 8, true));
        assertTrue(eight.getMessage().contains("sparknas.spark.min-examples-per-partition = 8"), eight.getMessage());
    }

    @Test
    void explicitPartitionsAtTheFloorOrOnePartitionAreAccepted() {
        assertEquals(4, setup(config(16, "spark.partitions=4", "spark.min-examples-per-partition=4"), 4, true)
                .plan.partitions());
        assertEquals(2, setup(config(32, "spark.partitions=2"), 2, true).plan.partitions(), "16 each, the default floor");
        assertEquals(1, setup(config(8, "spark.partitions=1"), 1, true).plan.partitions(),
                "one partition is what auto falls back to below the floor");
    }

    @Test
    void theFloorDoesNotApplyToAPartitionCountThatIsNotExplicit() {
        // in process (shards chosen by the caller) or auto-derived counts are not checked against the floor
        assertEquals(4, SearchSetup.inProcess(config(16), SearchLoopTest.syntheticData(), 4).setup().plan.partitions());
        assertEquals(4, setup(config(16), 4, false).plan.partitions());
    }

    @Test
    void fewerThanTwoExamplesPerPartitionAreRefusedEverywhere() {
        for (boolean explicit : new boolean[] {false, true}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> setup(config(8, "spark.partitions=8", "spark.min-examples-per-partition=2"), 8, explicit));
            assertEquals("sparknas.search.batch", e.key());
            assertTrue(e.getMessage().contains("sparknas.search.batch = 8") && e.getMessage().contains("8 partition"),
                    e.getMessage());
        }
        ConfigException inProcess = assertThrows(ConfigException.class,
                () -> SearchSetup.inProcess(config(4), SearchLoopTest.syntheticData(), 4));
        assertTrue(inProcess.getMessage().contains("sparknas.search.batch = 4")
                && inProcess.getMessage().contains("4 partition"), inProcess.getMessage());
        // one process, one partition: a batch of 1 is refused too
        ConfigException one = assertThrows(ConfigException.class,
                () -> SearchSetup.inProcess(config(1), SearchLoopTest.syntheticData(), 1));
        assertEquals("sparknas.search.batch", one.key());
        assertTrue(one.getMessage().contains("1 partition"), one.getMessage());
        assertEquals(1, SearchSetup.inProcess(config(2), SearchLoopTest.syntheticData(), 1).setup().plan.partitions());
    }
}
