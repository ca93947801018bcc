package ai.sparknas.driver.config;

/**
 * An invalid search configuration: a bad value, an unknown or malformed override, a missing or
 * unparsable config file. The message names the full key (e.g. {@code sparknas.search.batch}),
 * the offending value and what is allowed.
 */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key     the full key concerned ({@code sparknas.…}), or null when no single key is
     * @param message the complete message
     */
    public ConfigException(String key, String message) {
        this(key, message, null);
    }

    /**
     * @param key     the full key concerned ({@code sparknas.…}), or null when no single key is
     * @param message the complete message
     * @param cause   the underlying parser or type error, may be null
     */
    public ConfigException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** @return the full key concerned ({@code sparknas.search.batch}), or null (file or syntax errors) */
    public String key() {
        return key;
    }
}
