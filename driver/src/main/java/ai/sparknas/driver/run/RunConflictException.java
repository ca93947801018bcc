package ai.sparknas.driver.run;

import ai.sparknas.driver.config.ConfigException;

/** A run id whose stored config or checkpoint does not fit the current config (exit code 2). */
public final class RunConflictException extends ConfigException {

    private static final long serialVersionUID = 1L;

    public RunConflictException(String message) {
        super(null, message);
    }
}
