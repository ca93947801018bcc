package ai.sparknas.spark;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.DataLayout;
import ai.sparknas.driver.data.Shard;
import ai.sparknas.driver.search.MemoryEstimate;
import ai.sparknas.driver.search.SearchSetup;
import ai.sparknas.kernels.grad.AlphaStep;
import ai.sparknas.kernels.grad.FirstOrderStepSums;
import ai.sparknas.kernels.grad.GradientOracle;
import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.Split;
import ai.sparknas.kernels.grad.Wanted;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient oracle over Spark: every call is one round ({@link Rounds}) over the partitions'
 * cached shards, so the estimators run unchanged. A central difference is one round whose tasks run
 * both passes. Round letters follow the order within a step (amended: A val ∇α,∇ω · B H·v · C mixed
 * term · D train ∇ω); each Spark job is named "step s/S · estimator · round X (what)", and a barrier session
 * of fused first-order steps "from step s/S · …".
 */
public final class SparkOracle implements GradientOracle, AutoCloseable {

    private final SearchSetup setup;
    private final JavaRDD<Shard> shards;
    private final Rounds<Shard> rounds;
    private final WorkerContext context;
    /** The fused first-order step's task, one object for the whole search ({@link Rounds#sessionStep}). */
    private final BarrierSession.StepPass<Shard> fusedStep;
    private final long totalSteps;
    private int epoch = -1;
    private int step;
    private char nextRound;
    /**
     * Steps running whose barrier round failed. A lost executor fails one step's round; a barrier round that
     * fails step after step has a cause that stays (and each failure costs the aborted stage, and executors
     * that quit, their restart), so after {@link #BARRIER_FAILURES_IN_A_ROW} the run stops trying them.
     */
    private int barrierFailuresInARow;
    static final int BARRIER_FAILURES_IN_A_ROW = 3;

    private SparkOracle(SearchSetup setup, JavaRDD<Shard> shards, Rounds<Shard> rounds, WorkerContext context) {
        this.setup = setup;
        this.shards = shards;
        this.rounds = rounds;
        this.context = context;
        this.fusedStep = fusedStep(context);
        this.totalSteps = (long) setup.schedule.epochs() * setup.stepsPerEpoch;
    }

    /**
     * Probes the data on the driver (headers only), plans the partitions and loads every partition's
     * shard on the executors (cached; a lost one is re-read from its file).
     */
    public static SparkOracle create(JavaSparkContext sc, SearchConfig cfg) throws IOException {
        HashMap<String, String> hadoop = CachedShards.hadoopSettings(sc);
        DataLayout layout = DataLayout.probe(cfg.data(), HadoopDataFiles.fromSparkSettings(hadoop));
        boolean explicit = cfg.spark().partitions() != 0;
        int partitions = explicit ? cfg.spark().partitions()
                : autoPartitions(clusterCores(sc), cfg.search().batch(), cfg.spark().minExamplesPerPartition());
        SearchSetup setup = new SearchSetup(cfg, layout, partitions, 1, explicit);
        try {
            checkMemory(sc, setup, partitions);
        } catch (RuntimeException e) {
            setup.network.close();
            throw e;
        }
        WorkerContext context = new WorkerContext(cfg, layout, partitions, cfg.spark().kernelThreads(), hadoop);
        JavaRDD<Shard> shards = CachedShards.load(sc, partitions, context::readShard, "sparknas data shards",
                cfg.data().isCifar() ? String.join(", ", cfg.data().cifarFiles()) : cfg.data().trainImages());
        return new SparkOracle(setup, shards, new Rounds<>(sc, shards, partitions, cfg.spark().treeDepth()), context);
    }

    /**
     * The cores tasks can use. On a cluster, executors register after the context starts: wait until
     * some have and their number has been steady for 3 s (at most 2 minutes), so that
     * {@code spark.partitions = 0} does not depend on how fast they came up.
     */
    static int clusterCores(JavaSparkContext sc) {
        if (sc.master().startsWith("local")) {
            return sc.defaultParallelism();
        }
        long deadline = System.nanoTime() + 120_000_000_000L;
        int seen = -1;
        long steadySince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            int executors = sc.sc().statusTracker().getExecutorInfos().length - 1; // minus the driver
            if (executors != seen) {
                seen = executors;
                steadySince = System.nanoTime();
            } else if (executors > 0 && System.nanoTime() - steadySince > 3_000_000_000L) {
                break;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (seen <= 0) {
            throw new IllegalStateException("no executor registered with " + sc.master() + " within 2 minutes: check"
                    + " that the cluster has free cores and memory for the requested executors, or set spark.partitions");
        }
        return sc.defaultParallelism();
    }

    /** Whether tasks run inside the driver's JVM: local mode, but not local-cluster (executors in their own JVMs). */
    static boolean inDriver(JavaSparkContext sc) {
        return sc.master().startsWith("local") && !sc.master().startsWith("local-cluster");
    }

    /**
     * Refuses a search whose tasks would not fit their JVM's heap (an executor dying with exit 52 at the
     * first step), see {@link #checkTaskMemory}.
     */
    static void checkMemory(JavaSparkContext sc, SearchSetup setup, int partitions) {
        long perPartition = 2L * setup.plan.partitionSize(0);
        checkTaskMemory(sc, "this search", setup.config.search().batch(), partitions, setup.layout.used(), perPartition,
                (examples, records, kernels) -> MemoryEstimate.of(setup, examples, records, kernels));
    }

    /** The estimate of {@code kernels} kernels of {@code examples} examples holding {@code records} records. */
    @FunctionalInterface
    interface Estimate {
        MemoryEstimate of(int examples, long records, int kernels);
    }

    /**
     * Refuses a launch whose tasks would not fit their JVM's heap: in local mode the concurrent tasks share
     * the driver's heap and all the records; on a cluster (local-cluster too) each executor runs {@code
     * spark.executor.cores} tasks (1 when unset) in {@code spark.executor.memory}, holding their partitions'.
     */
    static void checkTaskMemory(JavaSparkContext sc, String what, int batch, int partitions, long allRecords,
                                long recordsPerPartition, Estimate estimate) {
        int examples = batch / partitions;
        if (inDriver(sc)) {
            int kernels = Math.max(1, Math.min(partitions, sc.defaultParallelism()));
            estimate.of(examples, allRecords, kernels).check(Runtime.getRuntime().maxMemory(),
                    what + " (" + kernels + " local task(s) of " + examples + " examples)",
                    "raise the driver's memory (SPARKNAS_DRIVER_MEMORY, spark-submit --driver-memory)");
        } else {
            int kernels = sc.getConf().getInt("spark.executor.cores", 1);
            estimate.of(examples, recordsPerPartition * kernels, kernels).check(
                    sc.getConf().getSizeAsBytes("spark.executor.memory", "1g"),
                    "each executor of " + what + " (" + kernels + " task(s) of " + examples + " examples)",
                    "raise spark.executor.memory");
        }
    }

    /**
     * spark.partitions = 0: the most partitions, up to the cluster's cores, that divide the batch evenly
     * with at least {@code floor} examples each (spark.min-examples-per-partition); 1 if none does.
     */
    static int autoPartitions(int cores, int batch, int floor) {
        for (int p = Math.max(1, Math.min(cores, batch / Math.max(1, floor))); p > 1; p--) {
            if (batch % p == 0) {
                return p;
            }
        }
        return 1;
    }

    /** The driver's setup: plan, estimator, schedule and initial state, identical to the executors'. */
    public SearchSetup setup() {
        return setup;
    }

    @Override
    public void beginStep(int epoch, long step) {
        rounds.beginStep();
        this.epoch = epoch;
        this.step = (int) step;
        this.nextRound = 'A';
    }

    @Override
    public GradientSums gradients(INDArray w, INDArray alpha, Split split, Wanted wanted) {
        String what = (split == Split.VAL ? "α data" : "ω data") + ": " + switch (wanted) {
            case NONE -> "loss";
            case WEIGHTS -> "∇ω";
            case ALPHA -> "∇α";
            case BOTH -> "∇α, ∇ω";
        };
        return round(what, new Pass(epoch, step, split, wanted, 0), w, null, alpha);
    }

    @Override
    public GradientSums evaluate(INDArray w, INDArray mix, Split split) {
        return round((split == Split.VAL ? "α data" : "ω data") + ": sub-network", new Pass(epoch, step, split,
                Wanted.NONE, 0, true, false), w, null, mix);
    }

    @Override
    public GradientSums products(INDArray w, INDArray d, INDArray alpha, Split split, Wanted wanted) {
        String what = switch (wanted) {
            case WEIGHTS -> "exact H·d";
            case ALPHA -> "exact ∇²αω·d";
            default -> "exact H·d, ∇²αω·d";
        };
        return round(what, Pass.products(epoch, step, split, wanted), w, d, alpha);
    }

    @Override
    public GradientSums centralDifference(INDArray w, INDArray d, double r, INDArray alpha, Split split,
                                          Wanted wanted) {
        String what = wanted == Wanted.WEIGHTS ? "H·v" : wanted == Wanted.ALPHA ? "mixed ∇²αω·u" : "difference";
        return round(what, new Pass(epoch, step, split, wanted, r), w, d, alpha);
    }

    /** With {@code spark.fuse-rounds = auto}, where a barrier round fits the cluster now ({@link Rounds#barrierFits}). */
    @Override
    public boolean fusesFirstOrderStep() {
        return setup.config.spark().fuseRounds() && barrierFailuresInARow < BARRIER_FAILURES_IN_A_ROW
                && rounds.barrierFits();
    }

    /**
     * One barrier step ({@link #fusedStep}), in the barrier session that runs the search's consecutive fused
     * steps as one Spark job ({@link Rounds#sessionStep}). If it fails, the step runs as two rounds.
     */
    @Override
    public FirstOrderStepSums firstOrderStep(INDArray w, INDArray alpha, AlphaStep alphaStep) {
        FirstOrderStepSums fused;
        try {
            fused = barrierStep(w, alpha, alphaStep);
        } catch (RuntimeException e) {
            // Spark does not retry a failed barrier result stage (a lost executor, a failed read): the step
            // runs again as two rounds, whose tasks Spark retries; nothing of the state has changed yet
            var log = org.slf4j.LoggerFactory.getLogger(SparkOracle.class);
            log.warn("the barrier step {} failed ({}); running the step as two rounds", step + 1,
                    e.getMessage());
            if (++barrierFailuresInARow == BARRIER_FAILURES_IN_A_ROW) {
                log.warn("the barrier rounds of {} steps running failed: the rest of this run uses two rounds per"
                        + " step (the same bits; see the executors' logs for the cause, or set"
                        + " sparknas.spark.fuse-rounds = never)", BARRIER_FAILURES_IN_A_ROW);
            }
            return GradientOracle.super.firstOrderStep(w, alpha, alphaStep);
        }
        barrierFailuresInARow = 0;
        return fused;
    }

    private FirstOrderStepSums barrierStep(INDArray w, INDArray alpha, AlphaStep alphaStep) {
        String what = "α data: ∇α, α step, ω data: ∇ω";
        String letter = nextLetter();
        FusedStep inputs = new FusedStep(new Pass(epoch, step, Split.VAL, Wanted.ALPHA, 0),
                new Pass(epoch, step, Split.TRAIN, Wanted.WEIGHTS, 0), alpha.toDoubleVector(), alphaStep);
        PartitionSums total = rounds.sessionStep(letter, what, label(letter, what), w.toDoubleVector(), narrow(),
                fusedStep, inputs);
        return new FirstOrderStepSums(total.val.toGradientSums(), total.toGradientSums(),
                org.nd4j.linalg.factory.Nd4j.createFromArray(total.alphaUsed).reshape(alpha.shape()));
    }

    /** A fused first-order step's own inputs: its two passes, α and the α optimizer's step. */
    private record FusedStep(Pass val, Pass train, double[] alpha, AlphaStep alphaStep) implements java.io.Serializable {
    }

    /**
     * The fused first-order step on one shard: ∇α on the α data, the exchange of every task's sums (folded in
     * the driver's partition tree, so each holds the global Σ∇α the two-round protocol would send the driver),
     * the α step at its mean, and the weight pass at that α'. Returns both sums and α'. One object for the
     * search, so that its steps run in one barrier session.
     */
    private static BarrierSession.StepPass<Shard> fusedStep(WorkerContext c) {
        int partitions = c.partitions();
        return (shard, wv, inputs, cpus, gather) -> {
            FusedStep f = (FusedStep) inputs;
            SearchSetup s = c.borrow(cpus);
            try {
                PartitionSums mine = f.val().compute(s, shard, wv, null, f.alpha());
                TreeSum all = new TreeSum(partitions);
                Object[] parts = gather.allGather(mine);
                for (int p = 0; p < parts.length; p++) {
                    all.add(p, (PartitionSums) parts[p]);
                }
                double[] next = f.alphaStep().next(f.alpha(), mean(all.total()));
                // a diverged α gradient: the driver reports it from the α data's sums; no weight pass
                PartitionSums out = finite(next) ? f.train().compute(s, shard, wv, null, next)
                        : new PartitionSums(Double.NaN, 0, 0, null, null);
                out.val = mine;
                out.alphaUsed = next;
                out.kernelThreads = c.threads(cpus);
                return out;
            } finally {
                c.release(s, cpus);
            }
        };
    }

    /**
     * Σ∇α / n in plain Java on the executor (the same IEEE division as the driver's ND4J {@code
     * meanAlphaGrad}, whatever ND4J backend the executor has; {@code SparkOracleTest} compares the bits).
     */
    private static double[] mean(PartitionSums total) {
        double[] out = new double[total.alphaGrad.length];
        double n = total.count;
        for (int i = 0; i < out.length; i++) {
            out[i] = total.alphaGrad[i] / n;
        }
        return out;
    }

    /**
     * Whether ω and directions can travel as floats: the float32 kernels read float32(ω) and float32(d) only
     * ({@code toFloatVector}), so they compute the same bits from the floats; central differences (ω ± r·d,
     * formed in doubles) cannot, and with finite-difference products ω stays doubles for the whole step (a
     * step's rounds share one ω broadcast). {@code SparkOracleTest} checks the bits against the in-process fold.
     */
    private boolean narrow() {
        return setup.config.compute().precision().equals("float32")
                && setup.config.estimator().products().equals("exact");
    }

    private static boolean finite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private String nextLetter() {
        if (epoch < 0) {
            throw new IllegalStateException("beginStep must be called before a round");
        }
        return String.valueOf(nextRound++);
    }

    private String label(String letter, String what) {
        return String.format(Locale.ROOT, "step %d/%d · %s · round %s (%s)",
                (long) epoch * setup.stepsPerEpoch + step + 1, totalSteps, setup.estimator.name(), letter, what);
    }

    private GradientSums round(String what, Pass pass, INDArray w, INDArray d, INDArray alpha) {
        String letter = nextLetter();
        String label = label(letter, what);
        double[] a = alpha.toDoubleVector();
        WorkerContext c = context;
        return rounds.round(letter, what, label, w, w.toDoubleVector(), d == null ? null : d.toDoubleVector(),
                narrow() && pass.radius() == 0,
                (shard, wv, dv, cpus) -> {
                    SearchSetup s = c.borrow(cpus);
                    try {
                        PartitionSums sums = pass.compute(s, shard, wv, dv, a);
                        sums.kernelThreads = c.threads(cpus);
                        return sums;
                    } finally {
                        c.release(s, cpus);
                    }
                }).toGradientSums();
    }

    /** Per-round timings and bytes of the rounds since the last call (for metrics.jsonl). */
    public List<Map<String, Object>> drainRoundRecords() {
        return rounds.drainRecords();
    }

    @Override
    public void close() {
        rounds.close();
        shards.unpersist(false);
    }
}
