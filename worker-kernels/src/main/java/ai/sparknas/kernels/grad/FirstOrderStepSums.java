package ai.sparknas.kernels.grad;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a first-order search step needs from its passes: the α data's sums at (ω, α), the ω data's
 * ∇ω sums at (ω, α'), and the α' those were computed at (checked by the driver against its own update).
 */
public record FirstOrderStepSums(GradientSums val, GradientSums train, INDArray nextAlpha) {
}
