/**
 * The α-gradient estimators of spec §2 (first-order, second-order, amended, implicit), written once
 * against {@link ai.sparknas.kernels.grad.GradientOracle}, and how they get their second-order products.
 */
package ai.sparknas.kernels.estimate;
