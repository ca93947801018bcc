/**
 * The super-network as a SameDiff graph over one flat weight vector ω and one flat α vector, and
 * its gradients as sums over a batch.
 */
package ai.sparknas.kernels.net;
