package ai.sparknas.driver.run;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.search.NonFiniteException;
import ai.sparknas.driver.search.SearchSuspendedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.InvalidPathException;

/**
 * The documented exit codes and which failure maps to which, in one place: the CLI exits with them,
 * {@link RunStatus} records them in status.json, the Livy client mirrors them.
 */
public final class ExitCodes {

    /** Unexpected failure (a bug: the CLI prints the stack trace). */
    public static final int UNEXPECTED = 1;
    /** Bad usage or config: every config error names its key. */
    public static final int CONFIG = 2;
    /** Unreadable or corrupt data, output, run directory or checkpoints. */
    public static final int DATA = 3;
    /** The search or re-training diverged (NaN/Inf). */
    public static final int DIVERGED = 4;
    /** Another launch of the run holds its lease (RunLease): this one wrote nothing. */
    public static final int BUSY = 5;
    /** The launch's budget ran out or SIGTERM came, after a checkpoint: launch again to continue (EX_TEMPFAIL). */
    public static final int SUSPENDED = 75;

    private ExitCodes() {
    }

    /** An exit code and the words the CLI puts before the message. */
    public record Outcome(int code, String kind) {
    }

    public static Outcome of(Throwable e) {
        if (e instanceof ConfigException) {
            return new Outcome(CONFIG, "configuration error");
        } else if (e instanceof RunBusyException) {
            return new Outcome(BUSY, "run in use");
        } else if (e instanceof InvalidPathException) { // a path the file system cannot name
            return new Outcome(CONFIG, "invalid path (check the path arguments and the path keys)");
        } else if (e instanceof IOException || e instanceof UncheckedIOException) {
            return new Outcome(DATA, "input/output error");
        } else if (e instanceof SearchSuspendedException) {
            return new Outcome(SUSPENDED, "stopped");
        } else if (e instanceof NonFiniteException) {
            return new Outcome(DIVERGED, "search diverged");
        }
        return new Outcome(UNEXPECTED, "unexpected error");
    }
}
