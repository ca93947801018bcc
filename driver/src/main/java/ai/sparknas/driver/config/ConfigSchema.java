package ai.sparknas.driver.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key under {@code sparknas}, declared once: name, type, default (a HOCON literal), allowed values
 * or range, one-line doc. {@link SearchConfig} validates each key's type and range from here;
 * {@code reference.conf} and the key table of {@code conf/README.md} are generated from here
 * ({@link #main}: {@code --write REPO}) and a test fails when either has drifted. Checks that relate
 * two keys (lr-min ≤ lr, a limit against the train portion, ...) stay in {@link SearchConfig}.
 */
public final class ConfigSchema {

    /** How a key's value is read. */
    public enum Type { STRING, STRING_LIST, BOOLEAN, INT, LONG, DOUBLE, DURATION, ENUM }

    /**
     * One key.
     *
     * @param name     relative to {@code sparknas.}, e.g. {@code search.layers}
     * @param defaults the default as a HOCON literal ({@code 8}, {@code "runs"}, {@code [a, b]})
     * @param type     how the value is read
     * @param min      lower bound (numbers), NaN = none
     * @param minOpen  true: {@code > min}, false: {@code >= min}
     * @param max      upper bound (numbers), NaN = none
     * @param maxOpen  true: {@code < max}, false: {@code <= max}
     * @param even     integers that must be even
     * @param allowed  the allowed values of an ENUM
     * @param doc      what it means, one line
     */
    public record Key(String name, String defaults, Type type, double min, boolean minOpen, double max, boolean maxOpen,
                      boolean even, List<String> allowed, String doc) {

        /** The allowed range in words: {@code >= 1 and <= 16}, {@code > 0 and < 1}, {@code one of a, b}; "" = any. */
        public String allowedText() {
            if (type == Type.ENUM) {
                return "one of " + String.join(", ", allowed);
            }
            List<String> parts = new ArrayList<>();
            if (!Double.isNaN(min)) {
                parts.add((minOpen ? "> " : ">= ") + number(min));
            }
            if (!Double.isNaN(max)) {
                parts.add((maxOpen ? "< " : "<= ") + number(max));
            }
            String range = String.join(" and ", parts);
            return even ? (range.isEmpty() ? "even" : "even, " + range) : range;
        }

        /** Whether {@code v} lies in the range. */
        boolean inRange(double v) {
            return (Double.isNaN(min) || (minOpen ? v > min : v >= min)) && (Double.isNaN(max) || (maxOpen ? v < max : v <= max));
        }

        private static String number(double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
        }
    }

    /** No bound. */
    private static final double NONE = Double.NaN;
    /** The largest int: "no upper bound" for counts and steps. */
    private static final double MAX = Integer.MAX_VALUE;

    /** A key's type and range, before its name, default and doc are attached. */
    private record Shape(Type type, double min, boolean minOpen, double max, boolean maxOpen, boolean even,
                         List<String> allowed) {
    }

    private static Shape str() {
        return new Shape(Type.STRING, NONE, false, NONE, false, false, List.of());
    }

    private static Shape strList() {
        return new Shape(Type.STRING_LIST, NONE, false, NONE, false, false, List.of());
    }

    private static Shape bool() {
        return new Shape(Type.BOOLEAN, NONE, false, NONE, false, false, List.of());
    }

    private static Shape lng() {
        return new Shape(Type.LONG, NONE, false, NONE, false, false, List.of());
    }

    private static Shape duration() {
        return new Shape(Type.DURATION, 0, false, NONE, false, false, List.of());
    }

    private static Shape integer(double min, double max) {
        return new Shape(Type.INT, min, false, max == MAX ? NONE : max, false, false, List.of());
    }

    private static Shape even(double min, double max) {
        return new Shape(Type.INT, min, false, max, false, true, List.of());
    }

    private static Shape number(double min, boolean minOpen, double max, boolean maxOpen) {
        return new Shape(Type.DOUBLE, min, minOpen, max, maxOpen, false, List.of());
    }

    private static Shape positive() {
        return number(0, true, NONE, false);
    }

    private static Shape oneOf(List<String> values) {
        return new Shape(Type.ENUM, NONE, false, NONE, false, false, List.copyOf(values));
    }

    private static Key key(String name, String defaults, Shape s, String doc) {
        return new Key(name, defaults, s.type(), s.min(), s.minOpen(), s.max(), s.maxOpen(), s.even(), s.allowed(), doc);
    }

    /** Every key, in the order of reference.conf and of the table. */
    public static final List<Key> KEYS = List.of(
            key("run.output", "\"runs\"", str(),
                    "Root directory of run outputs (local path or Hadoop FileSystem URI); a run writes into `output`/`id`/."),
            key("run.id", "\"\"", str(),
                    "Run id, the run's sub-directory of `output` (a plain name, no '/'); \"\" = generate a timestamped id."),
            key("run.seed", "2", lng(),
                    "Master random seed (batch order, α/ω initialisation, augmentation); any integer."),
            key("run.log-every", "10", integer(1, 1_000_000),
                    "Log / write a metrics line every this many search steps (>= 1)."),
            key("run.max-wall-time", "0", duration(),
                    "Time budget of one launch: once a step ends past it, the search writes a checkpoint and exits with code 75; launching the same `run.id` again resumes. A HOCON duration (`90m`, `7h`); 0 = no limit."),
            key("run.max-steps", "0", integer(0, MAX),
                    "Step budget of one launch (>= 0): checkpoint and exit with code 75 after this many steps; 0 = no limit."),
            key("checkpoint.every-steps", "20", integer(0, MAX),
                    "Write a checkpoint every this many search steps (>= 0), and always at the end of an epoch; 0 = only at epoch ends. A checkpoint holds ω, α, both optimizers' state and the metrics offset."),
            key("checkpoint.keep", "3", integer(1, 1000),
                    "Newest checkpoints kept in `<run>/checkpoints/` (>= 1); older ones are deleted after a new one is safely written."),
            key("data.format", "\"idx\"", oneOf(SearchConfig.FORMATS),
                    "Training-file format: \"idx\" (MNIST / Fashion-MNIST, gzip or raw) | \"cifar10\" | \"cifar100\" (binary batches)."),
            key("data.dir", "\"\"", str(),
                    "Base directory (path or URI) that relative train-images / train-labels / cifar-files entries are resolved against; \"\" = use them as written."),
            key("data.train-images", "\"/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz\"", str(),
                    "idx only: path/URI of the training images file (idx3-ubyte, optionally .gz)."),
            key("data.train-labels", "\"/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz\"", str(),
                    "idx only: path/URI of the training labels file (idx1-ubyte, optionally .gz)."),
            key("data.cifar-files", "[]", strList(),
                    "cifar10/cifar100 only: list of binary batch files, read in order (e.g. data_batch_1.bin ... data_batch_5.bin)."),
            key("data.test-images", "\"/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz\"", str(),
                    "idx only: path/URI of the held-out test images (t10k), which only the re-training's evaluation reads."),
            key("data.test-labels", "\"/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz\"", str(),
                    "idx only: path/URI of the held-out test labels."),
            key("data.cifar-test-files", "[]", strList(),
                    "cifar10/cifar100 only: the held-out test batch files (test_batch.bin / test.bin), read only by the re-training's evaluation."),
            key("data.limit", "0", integer(0, MAX),
                    "Number of leading records of the training data to use (>= 0); 0 = all. They are split into ω data and α data."),
            key("data.train-portion", "0.5", number(0, true, 1, true),
                    "Fraction of the used records that trains the weights ω, the rest trains α (DARTS train_portion); 0 < x < 1."),
            key("data.normalize", "\"fashion-mnist\"", oneOf(SearchConfig.NORMALIZATIONS),
                    "Per-channel standardisation statistics: \"fashion-mnist\" | \"mnist\" | \"cifar10\" | \"cifar100\" | \"none\"."),
            key("data.augment", "false", bool(),
                    "true = pad-4 random crop + random horizontal flip on the step's train and val batches, as quark0/darts applies its train transform to both halves (CIFAR search augmentation)."),
            key("data.classes", "10", integer(2, 100_000),
                    "Number of classes of the classifier head (>= 2)."),
            key("search.ops", "[none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5]", strList(),
                    "Candidate operations of every MixedOp, in α-column order; a non-empty, duplicate-free subset of the 8 DARTS ops (none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5), not only none."),
            key("search.nodes", "4", integer(1, 16),
                    "Intermediate nodes per cell (>= 1); 4 gives the DARTS 14 edges per cell."),
            key("search.layers", "8", integer(3, 100),
                    "Cells in the super-network (>= 3, so that the two reduction cells at floor(L/3) and floor(2L/3) are distinct)."),
            key("search.channels", "16", even(2, 1024),
                    "Initial channel count C of the cells (even, >= 2: FactorizedReduce halves it); the stem outputs 3C."),
            key("search.alpha-sharing", "\"per-type\"", oneOf(SearchConfig.ALPHA_SHARINGS),
                    "How α is shared: \"per-type\" (one α per cell type, normal/reduce: DARTS) | \"per-cell\" (one α per cell: larger space)."),
            key("search.epochs", "50", integer(1, 100_000),
                    "Search epochs (>= 1); also the length of the cosine weight-learning-rate schedule."),
            key("search.batch", "64", integer(1, 1_000_000),
                    "Minibatch size in examples (>= 1), for both the ω batch and the α batch of a step."),
            key("search.steps-per-epoch", "0", integer(0, MAX),
                    "Search steps per epoch (>= 0); 0 = one pass over the weight (ω) half, one step per batch."),
            key("search.estimator", "\"amended\"", oneOf(SearchConfig.ESTIMATORS),
                    "α-gradient estimator: \"first-order\" (DARTS 1st order) | \"second-order\" (DARTS unrolled) | \"amended\" (H⁻¹ ≈ η·H) | \"implicit\" (H⁻¹ by Neumann series or conjugate gradient, iDARTS)."),
            key("estimator.eta", "0.1", number(0, false, NONE, false),
                    "Amending coefficient η of the amended estimator, g = ∇α L_val − η·z (>= 0); 0 = exactly first order."),
            key("estimator.epsilon-hv", "0.01", positive(),
                    "Step ε of the H·v central difference, r = ε/‖v‖ (> 0)."),
            key("estimator.epsilon-mixed", "0.01", positive(),
                    "Step ε of the mixed-derivative (∇²αω L_train·u) central difference, r' = ε/‖u‖ (> 0)."),
            key("estimator.epsilon-unrolled", "0.01", positive(),
                    "Step ε of the second-order (unrolled) estimator's finite difference, R = ε/‖v‖ (> 0)."),
            key("estimator.products", "\"exact\"", oneOf(SearchConfig.PRODUCTS),
                    "How the second-order products H·v and ∇²αω L·u are computed: \"exact\" (R-operator through the kernels, forward-mode over the backward pass) | \"finite-difference\" (central differences with the `epsilon-*` steps)."),
            key("estimator.implicit.method", "\"neumann\"", oneOf(SearchConfig.IMPLICIT_METHODS),
                    "How the implicit estimator gets p ≈ H⁻¹v: \"neumann\" (truncated series p = γ Σ_{k=0..K} (I − γH)^k v) | \"cg\" (conjugate gradient on (H + λI) p = v)."),
            key("estimator.implicit.steps", "5", integer(1, 1000),
                    "K (>= 1): Neumann terms beyond the first, or CG iterations; each costs one H·d product pass."),
            key("estimator.implicit.gamma", "0.01", positive(),
                    "Neumann scaling γ (> 0); the series converges when γ < 2/λ_max(H)."),
            key("estimator.implicit.damping", "0.01", number(0, false, NONE, false),
                    "CG damping λ (>= 0); also makes CG defined when H is indefinite."),
            key("optim.weights.lr", "0.025", positive(),
                    "Initial (peak) SGD learning rate of the weights ω (> 0); cosine-annealed to lr-min over the epochs."),
            key("optim.weights.lr-min", "0.001", number(0, false, NONE, false),
                    "Final learning rate of the cosine schedule (0 <= lr-min <= lr)."),
            key("optim.weights.momentum", "0.9", number(0, false, 1, true),
                    "SGD momentum μ (0 <= μ < 1)."),
            key("optim.weights.weight-decay", "3e-4", number(0, false, NONE, false),
                    "L2 weight decay λ added to the weight gradient (>= 0)."),
            key("optim.weights.grad-clip", "5.0", positive(),
                    "Clip the weights' global gradient L2 norm to this value (> 0)."),
            key("optim.alpha.lr", "3e-4", positive(),
                    "Adam learning rate of α (> 0)."),
            key("optim.alpha.beta1", "0.5", number(0, true, 1, true),
                    "Adam β1 (0 < β1 < 1)."),
            key("optim.alpha.beta2", "0.999", number(0, true, 1, true),
                    "Adam β2 (0 < β2 < 1)."),
            key("optim.alpha.eps", "1e-8", positive(),
                    "Adam ε added to the denominator (> 0)."),
            key("optim.alpha.weight-decay", "1e-3", number(0, false, NONE, false),
                    "Coupled L2 weight decay on α, g += wd·α (>= 0)."),
            key("compute.threads", "0", integer(0, 1024),
                    "Threads of the in-process kernels (>= 0); 0 = all available cores."),
            key("compute.precision", "\"float32\"", oneOf(SearchConfig.PRECISIONS),
                    "Arithmetic of the super-network kernels: float32 (runs) or float64 (the precision of the gradient checks). ω, α and the optimizers are float64 either way."),
            key("compute.recompute", "\"products\"", oneOf(ai.sparknas.kernels.net.Recompute.KEYS),
                    "Which passes keep only each node's output and run the node's operations again in their backward pass (gradient checkpointing) instead of holding their activations. none: the fastest. products: the exact H·d R-passes, which hold a tangent beside every activation (default config: 511 instead of 1211 MB, about 45 % more time per H·d pass, about 15 % per amended step). all: every differentiated pass (gradient passes too, about 40 % more time each). Results are bit-identical either way; docs/performance.md has the measurements."),
            key("monitor.skip-warning-threshold", "3", integer(0, 1000),
                    "Warn when the normal cell's derived genotype has more skip_connect edges than this (>= 0)."),
            key("monitor.eval-batches", "2", integer(0, 100_000),
                    "α-data batches (>= 0) on which, at each epoch end, the super-network and the derived sub-network (the genotype's edges and ops only, inherited weights) are evaluated: the optimization gap. Forward passes only; 0 = off."),
            key("spark.partitions", "0", integer(0, 100_000),
                    "Data partitions of every batch, one task per partition and round; `search.batch` must be a multiple of it, with at least `spark.min-examples-per-partition` examples per partition. 0 = the most partitions, up to Spark's default parallelism (N for `local[N]`, the total executor cores on a cluster), that divide `search.batch` with at least `min-examples-per-partition` each (1 if none). One partition per executor core is fastest."),
            key("spark.tree-depth", "1", integer(1, 64),
                    "Depth of the tree reduction of the partition sums (>= 1); 1 sends each partition's sums straight to the driver, 2+ adds shuffle stages (only worth it with many executors)."),
            key("spark.fuse-rounds", "\"auto\"", oneOf(SearchConfig.FUSE_ROUNDS),
                    "auto: first-order's two rounds of a step (∇α on the α data, then ∇ω on the ω data at the updated α) run as one barrier step (`RDD.barrier()`): the tasks exchange their ∇α sums through an RPC endpoint on the driver, each applies the same Adam step, then runs the weight pass. Consecutive such steps run in one long barrier job whose tasks receive each step's ω and α from that endpoint and send their sums back to it, so a step costs no Spark job at all (first-order's multi-JVM overhead fell from about 12 % to 4 % of a step); the job ends before any other round (evaluations at an epoch's end), which holds every task slot meanwhile. The same bits as two rounds. It is used where the cluster has a task slot for every partition and dynamic allocation is off; otherwise, and for a step whose barrier step failed (Spark does not retry one; a lost executor), the two rounds run and the next step starts a new barrier job; after 3 steps running whose barrier steps failed, the rest of the run uses two rounds (with a warning). never: always two rounds."),
            key("spark.kernel-threads", "0", integer(0, 1024),
                    "Kernel threads of each task (>= 0); 0 = the task's cores (`spark.task.cpus`)."),
            key("spark.min-examples-per-partition", "16", integer(2, 1_000_000),
                    "Fewest examples per partition (>= 2): BatchNorm normalises over each partition's share of the batch, and over one example every node is zero-mean, the global pool is 0 and ∇α ≡ 0. Measured ∇α cosine to the one-partition gradient: 0.84 at 16 examples per partition, 0.66 at 8, 0.32 at 2, 0 at 1. An explicit `spark.partitions` giving fewer is refused; `search.batch` / partitions < 2 is refused everywhere."),
            key("livy.url", "\"http://127.0.0.1:8998\"", str(),
                    "The Livy server of `sparknas-livy` (http or https URL); the environment variable SPARKNAS_LIVY_URL wins. The job itself ignores every `livy.*` key (they change no bits: a run resumes under other values)."),
            key("livy.user", "\"\"", str(),
                    "User for HTTP basic authentication with Livy (\"\" = none); SPARKNAS_LIVY_USER wins. The password is read only from SPARKNAS_LIVY_PASSWORD, never from a config file (config.conf is stored with the run)."),
            key("livy.headers", "[]", strList(),
                    "Extra HTTP headers sent to Livy, each `Name: value` (e.g. a gateway's token); SPARKNAS_LIVY_HEADERS (one per line) adds to them. `X-Requested-By: sparknas` is always sent (Livy's CSRF protection)."),
            key("livy.jar", "\"\"", str(),
                    "The application jar as the Livy host reads it (Livy uploads nothing): `hdfs:///...` on a cluster, or a local path under the server's `livy.file.local-dir-whitelist`; SPARKNAS_LIVY_JAR wins. Required by `sparknas-livy submit`."),
            key("livy.proxy-user", "\"\"", str(),
                    "The user the batch runs as (Livy's `proxyUser`, needs impersonation on the server); \"\" = the server's user."),
            key("livy.driver-memory", "\"6g\"", str(),
                    "The batch's driver memory (`driverMemory`, e.g. 6g; \"\" = Livy's default). In local master mode the kernels run in the driver."),
            key("livy.driver-cores", "0", integer(0, 1024),
                    "The batch's driver cores (`driverCores`); 0 = Livy's default."),
            key("livy.executor-memory", "\"\"", str(),
                    "Each executor's memory (`executorMemory`, e.g. 8g); \"\" = the cluster's default."),
            key("livy.executor-cores", "0", integer(0, 1024),
                    "Cores per executor (`executorCores`); 0 = the cluster's default."),
            key("livy.num-executors", "0", integer(0, 100_000),
                    "Executors of the batch (`numExecutors`); 0 = the cluster's default."),
            key("livy.queue", "\"\"", str(),
                    "The YARN queue (`queue`); \"\" = the default queue."),
            key("livy.conf", "[]", strList(),
                    "Extra Spark settings of the batch, each `key=value` (e.g. `spark.executor.memoryOverhead=4g`); the client adds Java 17's module flags and the Vector API module for driver and executors, and Kryo, unless given here."),
            key("livy.poll-initial", "1s", duration(),
                    "`sparknas-livy wait`: first polling interval; it doubles while nothing changes, up to `poll-max`, and starts again at this after new output."),
            key("livy.poll-max", "15s", duration(),
                    "`sparknas-livy wait`: longest polling interval."),
            key("livy.timeout", "20s", duration(),
                    "Connect and response timeout of each request to Livy: an unreachable server fails within it."),
            key("retrain.genotype", "\"\"", str(),
                    "Genotype to re-train: DARTS text (`Genotype(normal=[...], ...)`), a published name (DARTS_V1, DARTS_V2, DARTS) or the path of a genotype.txt / genotype.json file (also per-cell JSON `{\"cells\": [...]}`); `sparknas retrain --from RUN_DIR` sets it from a search run."),
            key("retrain.from", "\"\"", str(),
                    "The search run directory the genotype came from (\"\" = none); set by `--from`, recorded in result.json."),
            key("retrain.layers", "0", integer(0, 100),
                    "Cells L of the evaluation network (>= 3); 0 = the search's depth (the paper's consistency): the `--from` run's `search.layers`, else this config's."),
            key("retrain.channels", "0", even(0, 1024),
                    "Initial channels C (even, >= 2); 0 = the search's width, as for layers."),
            key("retrain.epochs", "2", integer(1, 100_000),
                    "Training epochs (>= 1); also the length of the cosine learning-rate schedule (`optim.weights.lr` → `lr-min`) and of the drop-path ramp."),
            key("retrain.batch", "32", integer(2, 1_000_000),
                    "Minibatch size (>= 2: BatchNorm uses the batch statistics)."),
            key("retrain.steps-per-epoch", "0", integer(0, MAX),
                    "Steps per epoch (>= 0); 0 = one pass over the training records (`data.limit` records of the training files, both of the search's halves)."),
            key("retrain.drop-path", "0.0", number(0, false, 1, true),
                    "Drop-path probability (0 <= p < 1), ramped linearly from 0 in the first epoch to p·(E−1)/E in the last (DARTS)."),
            key("retrain.auxiliary-weight", "0.0", number(0, false, NONE, false),
                    "Weight of the auxiliary head's loss (>= 0; DARTS 0.4); 0 = no auxiliary head. Needs inputs of at least 20x20."),
            key("retrain.cutout", "0", integer(0, 1024),
                    "Cutout side in pixels (>= 0; DARTS 16), one square per training image; 0 = off."),
            key("retrain.bn-momentum", "0.1", number(0, true, 1, false),
                    "BatchNorm running-statistics momentum (0 < m <= 1; PyTorch 0.1): r ← (1 − m)·r + m·(batch statistic)."),
            key("retrain.test-limit", "0", integer(0, MAX),
                    "Leading records of the test files evaluated (>= 0); 0 = all."),
            key("retrain.eval-every", "1", integer(1, 100_000),
                    "Evaluate on the test files every this many epochs (>= 1) and always after the last."),
            key("retrain.eval-batch", "200", integer(1, 100_000),
                    "Images per evaluation batch (>= 1); evaluation is per image, so this changes speed, not results."));

    private static final Map<String, Key> BY_NAME = index();

    private ConfigSchema() {
    }

    private static Map<String, Key> index() {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : KEYS) {
            if (m.put(k.name(), k) != null) {
                throw new IllegalStateException("key declared twice: " + k.name());
            }
        }
        return m;
    }

    /** The declaration of {@code name} (relative to {@code sparknas.}). */
    public static Key get(String name) {
        Key k = BY_NAME.get(name);
        if (k == null) {
            throw new IllegalArgumentException("no config key " + name + " is declared in ConfigSchema");
        }
        return k;
    }

    /** {@code reference.conf}: the keys in nested blocks under {@code sparknas}, each with its doc above it. */
    public static String referenceConf() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Defaults of every sparknas key. GENERATED from ai.sparknas.driver.config.ConfigSchema, where each key\n");
        sb.append("# is declared once (type, default, allowed range, doc): edit it there and run\n");
        sb.append("#   java -cp driver/target/classes:driver/target/lib/'*' ai.sparknas.driver.config.ConfigSchema --write .\n");
        sb.append("# A run config (conf/*.conf) sets only what differs; key=value overrides go on top.\n");
        sb.append("sparknas {\n");
        List<String> open = new ArrayList<>();
        for (Key k : KEYS) {
            List<String> path = List.of(k.name().split("\\."));
            List<String> parent = path.subList(0, path.size() - 1);
            int common = 0;
            while (common < open.size() && common < parent.size() && open.get(common).equals(parent.get(common))) {
                common++;
            }
            while (open.size() > common) {
                open.remove(open.size() - 1);
                sb.append("  ".repeat(open.size() + 1)).append("}\n");
            }
            while (open.size() < parent.size()) {
                if (open.isEmpty()) {
                    sb.append("\n");
                }
                sb.append("  ".repeat(open.size() + 1)).append(parent.get(open.size())).append(" {\n");
                open.add(parent.get(open.size()));
            }
            String indent = "  ".repeat(open.size() + 1);
            String allowed = k.allowedText();
            sb.append(indent).append("# ").append(k.doc().replace("`", "")).append(allowed.isEmpty() ? "" : " [" + allowed + "]")
                    .append("\n");
            sb.append(indent).append(path.get(path.size() - 1)).append(" = ").append(k.defaults()).append("\n");
        }
        while (!open.isEmpty()) {
            open.remove(open.size() - 1);
            sb.append("  ".repeat(open.size() + 1)).append("}\n");
        }
        return sb.append("}\n").toString();
    }

    static final String TABLE_START = "<!-- keys: generated from ConfigSchema -->";
    static final String TABLE_END = "<!-- end of keys -->";

    /** The key table of conf/README.md, between its markers. */
    public static String readmeTable() {
        StringBuilder sb = new StringBuilder(TABLE_START).append("\n");
        sb.append("| key (under `sparknas.`) | default | allowed | meaning |\n|---|---|---|---|\n");
        for (Key k : KEYS) {
            sb.append("| `").append(k.name()).append("` | `").append(k.defaults().replace("|", "\\|")).append("` | ")
                    .append(k.allowedText().replace("|", "\\|")).append(" | ").append(k.doc().replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.append(TABLE_END).append("\n").toString();
    }

    /** conf/README.md with its key table replaced by {@link #readmeTable()}. */
    static String withTable(String readme) {
        int a = readme.indexOf(TABLE_START);
        int b = readme.indexOf(TABLE_END);
        if (a < 0 || b < a) {
            throw new IllegalStateException("conf/README.md lacks the markers " + TABLE_START + " ... " + TABLE_END);
        }
        return readme.substring(0, a) + readmeTable() + readme.substring(b + TABLE_END.length() + 1);
    }

    /** {@code --write REPO}: rewrites REPO's reference.conf and conf/README.md table from the declarations. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !args[0].equals("--write")) {
            System.err.println("usage: ConfigSchema --write REPO_ROOT");
            System.exit(2);
        }
        Path repo = Path.of(args[1]);
        Files.writeString(repo.resolve("driver/src/main/resources/reference.conf"), referenceConf(), StandardCharsets.UTF_8);
        Path readme = repo.resolve("conf/README.md");
        Files.writeString(readme, withTable(Files.readString(readme, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        System.out.println("wrote reference.conf and the key table of conf/README.md (" + KEYS.size() + " keys)");
    }
}
