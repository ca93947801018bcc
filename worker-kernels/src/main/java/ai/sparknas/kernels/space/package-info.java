/** The DARTS CNN search space: candidate operations, cells and the network layout they imply. */
package ai.sparknas.kernels.space;
