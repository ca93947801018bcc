/**
 * The run directory and what makes a run last: storage on any file system, checkpoints written
 * atomically with a checksum, resume with fallback to the previous good checkpoint.
 */
package ai.sparknas.driver.run;
