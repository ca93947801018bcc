package ai.sparknas.spark.livy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/schedule/sparknas_livy_dag.py's rule for a budget stop under Livy (the job's exit 75, read from the
 * batch log: skipped, the next slice resumes; other failures fail), run by python3 against stand-ins of the
 * Airflow classes (src/test/resources/livy_dag_check.py), and its driver flags against the jar's own.
 */
class LivyDagTest {

    @TempDir
    Path tmp;

    @Test
    void aBudgetStopIsSkippedAndOtherEndsFailOrPass() throws Exception {
        Path dag = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/schedule/sparknas_livy_dag.py");
        Path check = Path.of(LivyDagTest.class.getResource("/livy_dag_check.py").toURI());
        Path log = tmp.resolve("out.log");
        Process p = new ProcessBuilder("python3", check.toString(), dag.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        p.waitFor(60, TimeUnit.SECONDS);
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertEquals(ai.sparknas.spark.JavaModuleFlags.driverOptions(), out.strip());
    }
}
