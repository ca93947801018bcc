/**
 * The three α-gradient estimators of spec §2 (first-order, second-order, amended), written once
 * against {@link ai.sparknas.kernels.grad.GradientOracle}.
 */
package ai.sparknas.kernels.estimate;
