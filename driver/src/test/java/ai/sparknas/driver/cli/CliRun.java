package ai.sparknas.driver.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Runs the CLI in this JVM with stdout discarded and stderr captured: the exit code and what the user reads. */
public final class CliRun {

    /** The exit code and the standard error text. */
    public record Outcome(int code, String err) {
    }

    private CliRun() {
    }

    public static Outcome of(String... args) {
        return capture(() -> Main.run(args));
    }

    public static Outcome capture(Supplier<Integer> body) {
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            return new Outcome(body.get(), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }
}
