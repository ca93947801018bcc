package ai.sparknas.kernels.estimate;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where an α gradient is estimated: weights ω, α, the SGD momentum buffer (null before the first
 * weight step) and the current weight learning rate ξ.
 */
public record SearchPoint(INDArray weights, INDArray alpha, INDArray momentum, double learningRate) {
}
