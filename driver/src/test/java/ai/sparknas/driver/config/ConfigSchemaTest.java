package ai.sparknas.driver.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The declarations are the one place a key lives: reference.conf and conf/README.md's table are what
 * they generate, and validation enforces every declared range and value list.
 */
class ConfigSchemaTest {

    static Path repo() {
        return Path.of(System.getProperty("sparknas.repo", "..")).toAbsolutePath().normalize();
    }

    static final String REGENERATE = " is out of date: run  java -cp driver/target/classes:driver/target/lib/'*'"
            + " ai.sparknas.driver.config.ConfigSchema --write .  (after mvn -q -DskipTests package)";

    @Test
    void referenceConfIsGeneratedFromTheDeclarations() throws Exception {
        String onDisk = Files.readString(repo().resolve("driver/src/main/resources/reference.conf"), StandardCharsets.UTF_8);
        assertEquals(ConfigSchema.referenceConf(), onDisk, "reference.conf" + REGENERATE);
    }

    @Test
    void readmeKeyTableIsGeneratedFromTheDeclarations() throws Exception {
        String readme = Files.readString(repo().resolve("conf/README.md"), StandardCharsets.UTF_8);
        assertEquals(ConfigSchema.withTable(readme), readme, "conf/README.md's key table" + REGENERATE);
    }

    @Test
    void everyKnownKeyIsDeclaredOnce() {
        Set<String> declared = new TreeSet<>();
        for (ConfigSchema.Key k : ConfigSchema.KEYS) {
            assertTrue(declared.add(k.name()), "declared twice: " + k.name());
            assertTrue(!k.doc().isBlank() && !k.doc().contains("\n"), "one-line doc: " + k.name());
        }
        assertEquals(SearchConfig.knownKeys(), declared);
    }

    /** Overrides just outside each declared bound, and an unknown value of each value list, are refused naming the key. */
    @TestFactory
    List<DynamicTest> everyDeclaredRangeIsEnforced() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConfigSchema.Key k : ConfigSchema.KEYS) {
            List<String> bad = new ArrayList<>();
            switch (k.type()) {
                case INT -> {
                    if (!Double.isNaN(k.min())) {
                        bad.add(String.valueOf((long) k.min() - 1));
                    }
                    if (!Double.isNaN(k.max())) {
                        bad.add(String.valueOf((long) k.max() + 1));
                    }
                    if (k.even()) {
                        bad.add(String.valueOf((long) k.min() + 1 + (long) k.min() % 2));
                    }
                }
                case DOUBLE -> {
                    if (!Double.isNaN(k.min())) {
                        bad.add(String.valueOf(k.minOpen() ? k.min() : k.min() - 1e-9));
                    }
                    if (!Double.isNaN(k.max())) {
                        bad.add(String.valueOf(k.maxOpen() ? k.max() : k.max() + 1e-9));
                    }
                }
                case ENUM -> bad.add("no-such-" + k.allowed().get(0));
                default -> {
                }
            }
            for (String value : bad) {
                tests.add(DynamicTest.dynamicTest(k.name() + "=" + value, () -> {
                    ConfigException e = assertThrows(ConfigException.class,
                            () -> SearchConfig.load(null, List.of(k.name() + "=" + value)));
                    assertEquals("sparknas." + k.name(), e.key(), e.getMessage());
                    assertTrue(e.getMessage().contains(k.allowedText()), e.getMessage());
                }));
            }
        }
        assertTrue(tests.size() > 60, tests.size() + " range checks");
        return tests;
    }

    @Test
    void sizesFarBeyondAnyMachineAreConfigErrorsNotCrashes() {
        for (String o : List.of("search.channels=1000000", "search.nodes=1000", "compute.threads=100000",
                "search.layers=100000", "spark.kernel-threads=99999", "retrain.channels=100000")) {
            ConfigException e = assertThrows(ConfigException.class, () -> SearchConfig.load(null, List.of(o)));
            assertTrue(e.getMessage().contains("<="), o + ": " + e.getMessage());
        }
    }
}
