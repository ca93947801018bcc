package ai.sparknas.driver.search;

/**
 * The launch's budget ({@code run.max-wall-time} or {@code run.max-steps}) ran out: a checkpoint was
 * written and the search stopped cleanly. Launching the same run again resumes it (exit code 75).
 */
public final class SearchSuspendedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SearchSuspendedException(String message) {
        super(message);
    }
}
