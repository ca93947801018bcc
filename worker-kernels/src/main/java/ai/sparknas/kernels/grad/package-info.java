/**
 * The gradient oracle: the one interface between estimator math and where gradients are computed
 * (in-process over one or more shards, or on Spark over many). It returns SUMS over a batch.
 */
package ai.sparknas.kernels.grad;
