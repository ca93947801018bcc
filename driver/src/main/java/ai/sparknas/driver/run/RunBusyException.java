package ai.sparknas.driver.run;

/** Another launch holds the run directory's lease: this one is refused (exit 5) before writing anything. */
public final class RunBusyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RunBusyException(String message) {
        super(message);
    }
}
