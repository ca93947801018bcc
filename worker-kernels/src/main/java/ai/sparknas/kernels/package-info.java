/**
 * Pure ND4J compute for amended-DARTS: the search space, the super-network and its gradients,
 * and the α-gradient estimators. No Spark, no Hadoop: everything here runs inside one JVM on one
 * shard and returns sums that a driver divides.
 */
package ai.sparknas.kernels;
