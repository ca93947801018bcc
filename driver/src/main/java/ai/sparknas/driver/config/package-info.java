/**
 * Configuration of the in-process amended-DARTS search: one HOCON file (conf/*.conf) on top of the
 * defaults in {@code reference.conf}, plus command-line overrides {@code key=value}, validated up
 * front into immutable records by {@link ai.sparknas.driver.config.SearchConfig}. Every default
 * lives in {@code reference.conf}; nothing here hard-codes one.
 */
package ai.sparknas.driver.config;
