/** The {@code bench} command: step time of each estimator on a config, as JSON lines. */
package ai.sparknas.driver.bench;
