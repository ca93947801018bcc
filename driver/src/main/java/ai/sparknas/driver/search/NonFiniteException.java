package ai.sparknas.driver.search;

/** A loss or gradient became NaN or infinite: the search diverged. */
public final class NonFiniteException extends RuntimeException {
    public NonFiniteException(String message) {
        super(message);
    }
}
