package ai.sparknas.driver.search;

import ai.sparknas.driver.optim.Adam;
import ai.sparknas.driver.optim.SgdMomentum;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Everything a search step changes: ω, α, and the two optimizers' state. */
public record SearchState(INDArray weights, INDArray alpha, SgdMomentum weightOptimizer, Adam alphaOptimizer) {
}
