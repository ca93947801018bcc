package ai.sparknas.spark.livy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * deploy/livy/search.ipynb as stored: a clean nbformat-4 notebook (no outputs kept) whose driver flags are
 * the ones the jar's own Spark asks for, so that it cannot drift from what the Livy client sends.
 * LivyIT executes it against a real Livy server.
 */
class NotebookTest {

    static final Path NOTEBOOK = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/livy/search.ipynb");

    @Test
    void theNotebookIsCleanAndSendsTheJarsOwnDriverFlags() throws Exception {
        JsonNode nb = new ObjectMapper().readTree(NOTEBOOK.toFile());
        assertEquals(4, nb.path("nbformat").asInt());
        List<String> flagLines = new ArrayList<>();
        int code = 0;
        for (JsonNode cell : nb.path("cells")) {
            if (cell.path("cell_type").asText().equals("code")) {
                code++;
                assertEquals(0, cell.path("outputs").size(), "stored outputs: clear them before committing");
                StringBuilder src = new StringBuilder();
                cell.path("source").forEach(l -> src.append(l.asText()));
                src.toString().lines().filter(l -> l.startsWith("DRIVER_JAVA_OPTIONS = ")).forEach(flagLines::add);
                assertTrue(!src.toString().contains("import requests"), "standard library only");
            }
        }
        assertTrue(code >= 4, "parameters, submit, follow, heat-map, genotype");
        assertEquals(List.of("DRIVER_JAVA_OPTIONS = \"" + ai.sparknas.spark.JavaModuleFlags.driverOptions()
                + "\""), flagLines);
    }
}
