package ai.sparknas.spark.livy;

/** A Livy client failure the user can act on: the message names the setting or input, the code is the exit code. */
public final class LivyException extends RuntimeException {

    private final int exitCode;

    public LivyException(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public LivyException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
