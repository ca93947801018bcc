package ai.sparknas.driver.data;

import java.io.IOException;

/**
 * A data file is malformed (wrong magic number, truncated, inconsistent counts, label out of range)
 * or a requested record range does not exist in it. The message names the input and suggests a fix.
 */
public class CorruptDataException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the input */
    public CorruptDataException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the input
     * @param cause   the underlying failure
     */
    public CorruptDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
