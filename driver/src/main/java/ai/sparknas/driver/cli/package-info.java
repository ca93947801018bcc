/** The command line: {@code search} and {@code bench}, with documented exit codes. */
package ai.sparknas.driver.cli;
