/**
 * Re-training a derived architecture from scratch: the genotype's sources, the discrete network's
 * setup and loop, the evaluation on the held-out test files, the result and the trained-model export.
 */
package ai.sparknas.driver.retrain;
