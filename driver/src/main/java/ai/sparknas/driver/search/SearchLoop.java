package ai.sparknas.driver.search;

import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.Genotypes;
import ai.sparknas.driver.optim.CosineSchedule;
import ai.sparknas.kernels.estimate.AlphaGradient;
import ai.sparknas.kernels.estimate.AlphaGradientEstimator;
import ai.sparknas.kernels.estimate.FirstOrder;
import ai.sparknas.kernels.estimate.SearchPoint;
import ai.sparknas.kernels.grad.FirstOrderStepSums;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The DARTS search loop (spec §3). Per step: the oracle draws the step's batches; α step with the
 * estimator's gradient and Adam; then the weight step with the NEW α: ∇ω L_train, global-norm clip,
 * SGD with momentum and weight decay, lr from the cosine schedule of the epoch.
 */
public final class SearchLoop {

    private final GradientOracle oracle;
    private final AlphaGradientEstimator estimator;
    private final CosineSchedule schedule;
    private final AlphaSummary summary;
    private final int stepsPerEpoch;
    private final StepListener listener;
    private final int monitorBatches;

    /** @param monitorBatches α-data batches of the epoch-end stability evaluation (0 = none) */
    public SearchLoop(GradientOracle oracle, AlphaGradientEstimator estimator, CosineSchedule schedule,
                      AlphaSummary summary, int stepsPerEpoch, int monitorBatches, StepListener listener) {
        this.monitorBatches = Math.min(monitorBatches, stepsPerEpoch);
        this.oracle = oracle;
        this.estimator = estimator;
        this.schedule = schedule;
        this.summary = summary;
        this.stepsPerEpoch = stepsPerEpoch;
        this.listener = listener;
    }

    /** The outcome of one step: the val sums behind the α gradient, the train sums and the clipped norm. */
    public record StepResult(GradientSums val, GradientSums train, double gradNorm,
                             java.util.Map<String, Double> hypergradient) {
    }

    /** One search step at (epoch, step) with weight learning rate {@code lr}; updates {@code state} in place. */
    public StepResult step(SearchState state, int epoch, int step, double lr) {
        oracle.beginStep(epoch, step);
        String where = "epoch " + (epoch + 1) + " step " + (step + 1) + " (" + estimator.name() + ")";
        if (estimator instanceof FirstOrder && oracle.fusesFirstOrderStep()) {
            return fusedFirstOrderStep(state, lr, where);
        }
        AlphaGradient g = estimator.estimate(oracle,
                new SearchPoint(state.weights(), state.alpha(), state.weightOptimizer().momentumBuffer(), lr));
        requireFinite(g.val().lossSum(), "validation loss", where);
        requireFinite(g.gradient(), "α gradient", where);
        state.alphaOptimizer().step(state.alpha(), g.gradient());

        WeightStep w = weightStep(state, lr, where);
        return new StepResult(g.val(), w.train(), w.gradNorm(), g.diagnostics());
    }

    /**
     * First-order's step where the backend applies the α step itself between its two passes (one Spark
     * round instead of two): the driver then takes the same Adam step and must arrive at the α' the ω
     * data's pass ran at, bit for bit.
     */
    private StepResult fusedFirstOrderStep(SearchState state, double lr, String where) {
        var step = state.alphaOptimizer().preview();
        FirstOrderStepSums sums = oracle.firstOrderStep(state.weights(), state.alpha(), step);
        AlphaGradient g = FirstOrder.of(sums.val());
        requireFinite(g.val().lossSum(), "validation loss", where);
        requireFinite(g.gradient(), "α gradient", where);
        if (!java.util.Arrays.equals(step.next(state.alpha().toDoubleVector(), g.gradient().toDoubleVector()),
                sums.nextAlpha().toDoubleVector())) {
            throw new IllegalStateException("at " + where + " the backend's α step differs from the driver's: the"
                    + " weight pass ran at another α; set spark.fuse-rounds = never and report this as a bug");
        }
        state.alphaOptimizer().step(state.alpha(), g.gradient());
        WeightStep w = weightStep(state, sums.train(), lr, where);
        return new StepResult(g.val(), w.train(), w.gradNorm(), g.diagnostics());
    }

    /** The train sums behind a weight step and the gradient's norm before clipping. */
    public record WeightStep(GradientSums train, double gradNorm) {
    }

    /**
     * The weight step at the state's α: ∇ω L_train on the step's train batch (the oracle must be bound
     * to the step), clip, SGD with momentum and weight decay; {@code where} names the step in errors.
     */
    public WeightStep weightStep(SearchState state, double lr, String where) {
        return weightStep(state, oracle.gradients(state.weights(), state.alpha(), Split.TRAIN, Wanted.WEIGHTS), lr,
                where);
    }

    private WeightStep weightStep(SearchState state, GradientSums train, double lr, String where) {
        requireFinite(train.lossSum(), "training loss", where);
        INDArray grad = train.meanWeightGrad();
        requireFinite(grad, "weight gradient", where);
        return new WeightStep(train, state.weightOptimizer().step(state.weights(), grad, lr));
    }

    /**
     * Where a search stands between two steps: the next (epoch, step), the steps done, and the running
     * sums of the current epoch (train loss, train acc, val loss, val acc) behind its epoch line.
     */
    public record Position(int epoch, int step, long globalStep, double[] epochSums) {
        public static Position start() {
            return new Position(0, 0, 0, new double[4]);
        }
    }

    /** Called after every step with the position of the next one; returning false stops the search there. */
    @FunctionalInterface
    public interface StepHook {
        boolean afterStep(SearchState state, Position next, boolean epochEnded) throws java.io.IOException;
    }

    /**
     * Runs from {@code start} to the end on {@code state} (updated in place); returns the final
     * genotype, or null when {@code hook} stopped the search early.
     */
    public Genotype run(SearchState state, Position start, StepHook hook) throws java.io.IOException {
        long globalStep = start.globalStep();
        for (int epoch = start.epoch(); epoch < schedule.epochs(); epoch++) {
            double lr = schedule.at(epoch);
            long epochStart = System.nanoTime();
            double[] sums = epoch == start.epoch() ? start.epochSums().clone() : new double[4];
            for (int step = epoch == start.epoch() ? start.step() : 0; step < stepsPerEpoch; step++) {
                long t0 = System.nanoTime();
                StepResult r = step(state, epoch, step, lr);
                globalStep++;
                sums[0] += r.train().meanLoss();
                sums[1] += r.train().accuracy();
                sums[2] += r.val().meanLoss();
                sums[3] += r.val().accuracy();
                Genotype genotype = summary.genotype(state.alpha());
                listener.onStep(new StepListener.Step(epoch, schedule.epochs(), step, stepsPerEpoch, globalStep,
                        r.train().meanLoss(), r.train().accuracy(), r.val().meanLoss(), r.val().accuracy(), lr,
                        r.gradNorm(), summary.meanEntropy(state.alpha()), AlphaSummary.normalSkips(genotype),
                        (System.nanoTime() - t0) / 1e9, r.hypergradient(), genotype));
                boolean epochEnded = step + 1 == stepsPerEpoch;
                if (epochEnded) {
                    listener.onEpoch(new StepListener.Epoch(epoch, schedule.epochs(), sums[0] / stepsPerEpoch,
                            sums[1] / stepsPerEpoch, sums[2] / stepsPerEpoch, sums[3] / stepsPerEpoch,
                            summary.meanEntropy(state.alpha()), AlphaSummary.normalSkips(genotype),
                            Genotypes.count(genotype, true, "skip_connect"), genotype,
                            summary.cellType(state.alpha(), false), summary.cellType(state.alpha(), true),
                            stability(state, epoch, genotype), state.digest(), (System.nanoTime() - epochStart) / 1e9));
                }
                Position next = epochEnded ? new Position(epoch + 1, 0, globalStep, new double[4])
                        : new Position(epoch, step + 1, globalStep, sums.clone());
                if (hook != null && !hook.afterStep(state, next, epochEnded)) {
                    return null;
                }
            }
        }
        return summary.genotype(state.alpha());
    }

    /**
     * The super-network and the genotype's sub-network on the first {@code monitorBatches} α-data
     * batches of the epoch; null when the monitor is off. Changes no state.
     */
    StepListener.Stability stability(SearchState state, int epoch, Genotype genotype) {
        if (monitorBatches == 0) {
            return null;
        }
        INDArray mask = summary.mask(genotype);
        GradientSums sup = null;
        GradientSums sub = null;
        for (int s = 0; s < monitorBatches; s++) {
            oracle.beginStep(epoch, s);
            GradientSums a = oracle.gradients(state.weights(), state.alpha(), Split.VAL, Wanted.NONE);
            GradientSums b = oracle.evaluate(state.weights(), mask, Split.VAL);
            sup = sup == null ? a : sup.plus(a);
            sub = sub == null ? b : sub.plus(b);
        }
        return new StepListener.Stability((int) sup.count(), sup.meanLoss(), sup.accuracy(), sub.meanLoss(),
                sub.accuracy());
    }

    private static void requireFinite(double v, String what, String where) {
        if (!Double.isFinite(v)) {
            throw new NonFiniteException(what + " is " + v + " at " + where
                    + ": the search diverged; lower optim.weights.lr or optim.alpha.lr, or check data.normalize");
        }
    }

    private static void requireFinite(INDArray v, String what, String where) {
        double s = v.sumNumber().doubleValue();
        if (!Double.isFinite(s)) {
            throw new NonFiniteException(what + " has NaN or infinite entries at " + where
                    + ": the search diverged; lower optim.weights.lr or optim.alpha.lr, or check data.normalize");
        }
    }
}
