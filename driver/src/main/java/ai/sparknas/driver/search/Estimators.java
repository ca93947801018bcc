package ai.sparknas.driver.search;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.kernels.estimate.AlphaGradientEstimator;
import ai.sparknas.kernels.estimate.Amended;
import ai.sparknas.kernels.estimate.FirstOrder;
import ai.sparknas.kernels.estimate.Implicit;
import ai.sparknas.kernels.estimate.Products;
import ai.sparknas.kernels.estimate.SecondOrder;

/** Builds the configured α-gradient estimator. */
public final class Estimators {

    private Estimators() {
    }

    public static AlphaGradientEstimator create(String name, SearchConfig cfg) {
        var e = cfg.estimator();
        Products products = Products.fromName(e.products());
        return switch (name) {
            case "first-order" -> new FirstOrder();
            case "second-order" -> new SecondOrder(cfg.weightsOptim().momentum(), cfg.weightsOptim().weightDecay(),
                    e.epsilonUnrolled(), products);
            case "amended" -> new Amended(e.eta(), e.epsilonHv(), e.epsilonMixed(), products);
            case "implicit" -> new Implicit(e.implicitMethod().equals("cg") ? Implicit.Method.CG : Implicit.Method.NEUMANN,
                    e.implicitSteps(), e.implicitGamma(), e.implicitDamping(), products, e.epsilonHv(), e.epsilonMixed());
            default -> throw new ConfigException("sparknas.search.estimator", "sparknas.search.estimator = " + name
                    + ": must be one of " + SearchConfig.ESTIMATORS);
        };
    }
}
