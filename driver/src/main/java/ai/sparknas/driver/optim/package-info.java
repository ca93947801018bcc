/**
 * Driver-side optimizers on flat parameter vectors: SGD with momentum and global-norm clipping for
 * the weights, Adam with coupled L2 decay for α, and the cosine learning-rate schedule (spec §3).
 * Each updates its parameter vector in place and exposes its state for checkpoints.
 */
package ai.sparknas.driver.optim;
