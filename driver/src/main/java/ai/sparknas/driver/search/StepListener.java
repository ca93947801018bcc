package ai.sparknas.driver.search;

import ai.sparknas.driver.genotype.Genotype;

/** Receives the search's progress: a record per step and one per epoch. */
public interface StepListener {

    /**
     * Metrics of one step (losses are batch means); {@code hypergradient} holds the estimator's
     * diagnostics ({@code correction_ratio}, {@code cos_g_g1}, ...; empty for first order);
     * {@code genotype} is the one α derives after the step.
     */
    record Step(int epoch, int epochs, int step, int steps, long globalStep, double trainLoss, double trainAcc,
                double valLoss, double valAcc, double lr, double gradNorm, double alphaEntropy, int normalSkips,
                double seconds, java.util.Map<String, Double> hypergradient, Genotype genotype) {
    }

    /**
     * Metrics at the end of an epoch; {@code stateDigest} is {@link SearchState#digest()}, so two runs
     * can be compared bit for bit from their metrics alone; {@code stability} is null when
     * {@code monitor.eval-batches} is 0.
     */
    record Epoch(int epoch, int epochs, double trainLoss, double trainAcc, double valLoss, double valAcc,
                 double alphaEntropy, int normalSkips, int reduceSkips, Genotype genotype, double[][] alphaNormal,
                 double[][] alphaReduce, Stability stability, String stateDigest, double seconds) {
    }

    /**
     * The optimization gap made visible: the super-network and the genotype's sub-network (inherited
     * weights, only the kept edges and ops) evaluated on the same α-data batches.
     */
    record Stability(int examples, double superLoss, double superAcc, double subLoss, double subAcc) {
        /** Super-network accuracy minus sub-network accuracy. */
        public double gap() {
            return superAcc - subAcc;
        }
    }

    void onStep(Step s);

    void onEpoch(Epoch e);
}
