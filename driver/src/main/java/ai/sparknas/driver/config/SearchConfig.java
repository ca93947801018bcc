package ai.sparknas.driver.config;

import ai.sparknas.kernels.net.Recompute;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The validated configuration of one amended-DARTS search: a HOCON file on top of the defaults in
 * {@code reference.conf} (root {@code sparknas}), plus {@code key=value} overrides.
 *
 * <p>Precedence, highest first: overrides, the file, {@code reference.conf}. System properties and
 * {@code application.conf} are never consulted ({@code ConfigFactory.load} is not used); environment
 * variables are only seen through explicit {@code ${?VAR}} substitutions in the file. Every key is
 * validated when the object is built; an invalid value, an unknown key (in the file under
 * {@code sparknas} or in an override) or a malformed override raises {@link ConfigException} whose
 * message names the full key, the value and the allowed range.
 *
 * <p>Instances are immutable; {@link #withOverrides(List)} returns a new one.
 */
public final class SearchConfig {
    /** Root key of every setting. */
    public static final String ROOT = "sparknas";
    /** The DARTS CNN operators, in their canonical α-column order. */
    public static final List<String> DARTS_OPS = List.of("none", "max_pool_3x3", "avg_pool_3x3",
            "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5");
    /** Allowed values of {@code sparknas.search.estimator}. */
    public static final List<String> ESTIMATORS = List.of("first-order", "second-order", "amended", "implicit");
    /** Allowed values of {@code sparknas.estimator.products}. */
    public static final List<String> PRODUCTS = List.of("exact", "finite-difference");
    /** Allowed values of {@code sparknas.estimator.implicit.method}. */
    public static final List<String> IMPLICIT_METHODS = List.of("neumann", "cg");
    /** Allowed values of {@code sparknas.data.format}. */
    public static final List<String> FORMATS = List.of("idx", "cifar10", "cifar100");
    /** Allowed values of {@code sparknas.data.normalize}. */
    public static final List<String> NORMALIZATIONS = List.of("fashion-mnist", "mnist", "cifar10", "cifar100", "none");
    /** Allowed values of {@code sparknas.search.alpha-sharing}. */
    public static final List<String> PRECISIONS = List.of("float32", "float64");

    public static final List<String> ALPHA_SHARINGS = List.of("per-type", "per-cell");

    /**
     * {@code sparknas.run}.
     *
     * @param output   root directory of run outputs
     * @param id       run id, "" = the caller generates a timestamped one
     * @param seed     master random seed
     * @param logEvery write a metrics line every this many steps (>= 1)
     * @param maxWallTime  this launch checkpoints and exits (code 75) once it has run this long; zero = no limit
     * @param maxSteps     this launch checkpoints and exits (code 75) after this many steps; 0 = no limit
     */
    public record Run(String output, String id, long seed, int logEvery, java.time.Duration maxWallTime,
                      int maxSteps) {
    }

    /**
     * {@code sparknas.checkpoint}.
     *
     * @param everySteps write a checkpoint every this many steps (and at every epoch end); 0 = epoch ends only
     * @param keep       newest checkpoints kept (>= 1)
     */
    public record Checkpointing(int everySteps, int keep) {
    }

    /**
     * {@code sparknas.livy}: the Livy client's settings ({@code sparknas-livy}); the job reads none of
     * them. Environment variables that win over them are applied by the client.
     *
     * @param conf    extra Spark settings, {@code key=value}
     * @param headers extra HTTP headers, {@code Name: value}
     */
    public record Livy(String url, String user, List<String> headers, String jar, String proxyUser, String driverMemory,
                       int driverCores, String executorMemory, int executorCores, int numExecutors, String queue,
                       List<String> conf, java.time.Duration pollInitial, java.time.Duration pollMax,
                       java.time.Duration timeout) {
    }

    /**
     * {@code sparknas.data}. Paths are already resolved against {@link #dir()} (relative entries are
     * prefixed with it; absolute paths and URIs with a scheme are kept as written).
     *
     * @param format       "idx", "cifar10" or "cifar100"
     * @param dir          base directory of relative data paths, "" = none
     * @param trainImages  idx images file (resolved)
     * @param trainLabels  idx labels file (resolved)
     * @param cifarFiles   CIFAR binary batch files (resolved), immutable
     * @param limit        leading records used, 0 = all
     * @param trainPortion fraction of the used records that trains ω
     * @param normalize    "fashion-mnist", "mnist", "cifar10", "cifar100" or "none"
     * @param augment      crop+flip augmentation on the ω batches
     * @param classes      number of classes
     */
    public record Data(String format, String dir, String trainImages, String trainLabels, List<String> cifarFiles,
                       int limit, double trainPortion, String normalize, boolean augment, int classes) {
        /** Copies {@code cifarFiles} into an immutable list. */
        public Data {
            cifarFiles = List.copyOf(cifarFiles);
        }

        /** @return true for "cifar10" and "cifar100" */
        public boolean isCifar() {
            return format.startsWith("cifar");
        }
    }

    /**
     * {@code sparknas.search}.
     *
     * @param ops           candidate operators in α-column order, immutable
     * @param nodes         intermediate nodes per cell
     * @param layers        cells in the super-network (>= 3)
     * @param channels      initial channels C (even)
     * @param alphaSharing  "per-type" or "per-cell"
     * @param epochs        search epochs
     * @param batch         minibatch size
     * @param stepsPerEpoch steps per epoch, 0 = every batch of the weight half
     * @param estimator     "first-order", "second-order", "amended" or "implicit"
     */
    public record Search(List<String> ops, int nodes, int layers, int channels, String alphaSharing, int epochs,
                         int batch, int stepsPerEpoch, String estimator) {
        /** Copies {@code ops} into an immutable list. */
        public Search {
            ops = List.copyOf(ops);
        }

        /** @return edges per cell, {@code Σ_{i<nodes} (i+2)} (14 for 4 nodes) */
        public int edgesPerCell() {
            return nodes * (nodes + 3) / 2;
        }
    }

    /**
     * {@code sparknas.estimator}.
     *
     * @param eta             amending coefficient η (0 = first order)
     * @param epsilonHv       ε of the H·v central difference, r = ε/‖v‖
     * @param epsilonMixed    ε of the mixed-derivative central difference, r' = ε/‖u‖
     * @param epsilonUnrolled ε of the second-order finite difference, R = ε/‖v‖
     * @param products        how H·v and ∇²αω L·u are computed: "exact" (R-operator) or "finite-difference"
     * @param implicitMethod  implicit estimator's p ≈ H⁻¹v: "neumann" (series) or "cg" (conjugate gradient)
     * @param implicitSteps   K: Neumann terms beyond the first, or CG iterations (>= 1)
     * @param implicitGamma   γ: Neumann scaling, p = γ Σ_{k=0..K} (I − γH)^k v (> 0)
     * @param implicitDamping λ: CG solves (H + λI) p = v (>= 0)
     */
    public record Estimator(double eta, double epsilonHv, double epsilonMixed, double epsilonUnrolled,
                            String products, String implicitMethod, int implicitSteps, double implicitGamma,
                            double implicitDamping) {
    }

    /**
     * {@code sparknas.optim.weights}: SGD with momentum and a cosine schedule.
     *
     * @param lr          initial learning rate
     * @param lrMin       final learning rate of the cosine schedule
     * @param momentum    SGD momentum
     * @param weightDecay L2 weight decay
     * @param gradClip    global gradient-norm clip
     */
    public record WeightsOptim(double lr, double lrMin, double momentum, double weightDecay, double gradClip) {
    }

    /**
     * {@code sparknas.optim.alpha}: Adam with coupled L2 weight decay.
     *
     * @param lr          learning rate
     * @param beta1       Adam β1
     * @param beta2       Adam β2
     * @param eps         Adam ε
     * @param weightDecay coupled L2 weight decay
     */
    public record AlphaOptim(double lr, double beta1, double beta2, double eps, double weightDecay) {
    }

    /**
     * {@code sparknas.compute}.
     *
     * @param threads   kernel threads, 0 = all available cores
     * @param precision kernel arithmetic: float32 (runs) or float64 (checks)
     * @param recompute which passes rerun each node's operations in their backward pass instead of keeping
     *                  their activations
     */
    public record Compute(int threads, String precision, Recompute recompute) {
        /** @return {@link #threads()}, or the available processors when it is 0 */
        public int effectiveThreads() {
            return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        }
    }

    /**
     * {@code sparknas.monitor}.
     *
     * @param skipWarningThreshold warn when the normal cell's genotype has more skip_connects than this
     * @param evalBatches          α-data batches of the epoch-end super-net / sub-net evaluation, 0 = off
     */
    public record Monitor(int skipWarningThreshold, int evalBatches) {
    }

    /**
     * {@code sparknas.spark}: the data-parallel rounds (read by the spark-job module only).
     *
     * @param partitions    data partitions, one task each per round; 0 = the most, up to the cluster's cores,
     *                      that divide the batch with at least {@code minExamplesPerPartition} examples each
     * @param treeDepth     depth of the tree reduction of the partition sums (1 = straight to the driver)
     * @param kernelThreads kernel threads of each task; 0 = the task's cores ({@code spark.task.cpus})
     * @param minExamplesPerPartition fewest examples of a partition's batch (>= 2): BatchNorm's statistics
     *                                are per partition, and over too few examples ∇α degrades to 0
     * @param fuseRounds    first-order's α pass and weight pass in one barrier step (consecutive steps in one barrier job) where every task fits at once
     */
    public record Spark(int partitions, int treeDepth, int kernelThreads, int minExamplesPerPartition,
                        boolean fuseRounds) {
    }

    /** The values of {@code spark.fuse-rounds}. */
    public static final List<String> FUSE_ROUNDS = List.of("auto", "never");

    /**
     * {@code sparknas.retrain} and the test files of {@code sparknas.data}: the re-training of a genotype.
     * The network's depth and width, the weight optimiser ({@link #weightsOptim()}) and the data block are
     * the search's, so the two stages cannot drift apart.
     *
     * @param genotype        DARTS text, a published name or a genotype file path; "" = none given
     * @param from            the search run directory the genotype came from, "" = none
     * @param layers          cells of the evaluation network, 0 = the search's
     * @param channels        initial channels, 0 = the search's
     * @param epochs          training epochs (>= 1)
     * @param batch           minibatch size (>= 2)
     * @param stepsPerEpoch   steps per epoch, 0 = one pass over the training records
     * @param dropPath        final drop-path probability of the linear ramp, in [0, 1)
     * @param auxiliaryWeight auxiliary head loss weight, 0 = no auxiliary head
     * @param cutout          cutout side in pixels, 0 = off
     * @param bnMomentum      running-statistics momentum, in (0, 1]
     * @param testLimit       leading test records evaluated, 0 = all
     * @param evalEvery       evaluate every this many epochs (and after the last)
     * @param evalBatch       images per evaluation batch
     * @param testImages      idx test images (resolved against data.dir)
     * @param testLabels      idx test labels (resolved)
     * @param cifarTestFiles  CIFAR test batch files (resolved), immutable
     */
    public record Retrain(String genotype, String from, int layers, int channels, int epochs, int batch,
                          int stepsPerEpoch, double dropPath, double auxiliaryWeight, int cutout, double bnMomentum,
                          int testLimit, int evalEvery, int evalBatch, String testImages, String testLabels,
                          List<String> cifarTestFiles) {
        public Retrain {
            cifarTestFiles = List.copyOf(cifarTestFiles);
        }
    }

    private static final Pattern URI_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");
    private static final Config REFERENCE = loadReference();
    private static final Set<String> KNOWN_KEYS = collectKnownKeys();

    private final Config raw;
    private final Run run;
    private final Data data;
    private final Search search;
    private final Estimator estimator;
    private final WeightsOptim weightsOptim;
    private final AlphaOptim alphaOptim;
    private final Compute compute;
    private final Monitor monitor;
    private final Spark spark;
    private final Checkpointing checkpointing;
    private final Livy livy;
    private final Retrain retrain;

    private SearchConfig(Config resolved) {
        this.raw = resolved;
        V v = new V(resolved);
        this.run = readRun(v);
        this.data = readData(v);
        this.search = readSearch(v);
        this.estimator = readEstimator(v);
        this.weightsOptim = readWeights(v);
        this.alphaOptim = readAlpha(v);
        this.compute = new Compute(v.i("compute.threads"), v.s("compute.precision"),
                Recompute.of(v.s("compute.recompute")));
        this.monitor = new Monitor(v.i("monitor.skip-warning-threshold"),
                v.i("monitor.eval-batches"));
        this.spark = new Spark(v.i("spark.partitions"), v.i("spark.tree-depth"),
                v.i("spark.kernel-threads"), v.i("spark.min-examples-per-partition"),
                v.s("spark.fuse-rounds").equals("auto"));
        this.checkpointing = new Checkpointing(v.i("checkpoint.every-steps"),
                v.i("checkpoint.keep"));
        this.retrain = readRetrain(v, data);
        this.livy = new Livy(v.str("livy.url"), v.str("livy.user"), v.strList("livy.headers"), v.str("livy.jar"),
                v.str("livy.proxy-user"), v.str("livy.driver-memory"), v.i("livy.driver-cores"),
                v.str("livy.executor-memory"), v.i("livy.executor-cores"), v.i("livy.num-executors"),
                v.str("livy.queue"), v.strList("livy.conf"), v.dur("livy.poll-initial"), v.dur("livy.poll-max"),
                v.dur("livy.timeout"));
    }

    // ------------------------------------------------------------------ factories

    /**
     * Loads and validates a search configuration.
     *
     * @param file      a HOCON file, or null for the defaults of {@code reference.conf} only
     * @param overrides {@code key=value} strings applied on top (may be null or empty); keys are relative
     *                  to {@code sparknas.} ({@code search.layers=3}) or carry the full prefix; values are
     *                  HOCON values ({@code search.ops=[none,skip_connect]}); for string-valued keys an
     *                  unquoted value is taken literally ({@code data.dir=hdfs://nn/cifar})
     * @return the validated configuration
     * @throws ConfigException for a missing or unparsable file, a malformed or unknown override,
     *                         an unknown key under {@code sparknas} or an invalid value
     */
    public static SearchConfig load(Path file, List<String> overrides) {
        Config fromFile = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(null, "config file not found: " + file
                        + " (absolute: " + file.toAbsolutePath() + ")");
            }
            try {
                fromFile = ConfigFactory.parseFile(file.toFile(),
                        ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
            } catch (com.typesafe.config.ConfigException e) {
                throw new ConfigException(null, "cannot parse config file " + file + ": " + e.getMessage(), e);
            } catch (StackOverflowError e) { // the parser recurses once per nesting level
                throw new ConfigException(null, "cannot parse config file " + file + ": it nests objects or lists too"
                        + " deeply for the HOCON parser; a sparknas config is at most four levels deep", null);
            }
        }
        return build(fromFile, overrides);
    }

    /** @return the validated defaults of {@code reference.conf} */
    public static SearchConfig defaults() {
        return build(ConfigFactory.empty(), List.of());
    }

    /**
     * Validates an already parsed configuration (e.g. the text of {@link #render()} shipped to another
     * process), falling back to {@code reference.conf} for missing keys.
     *
     * @param config resolved or unresolved config holding a {@code sparknas} block
     * @return the validated configuration
     * @throws ConfigException as {@link #load(Path, List)}
     */
    public static SearchConfig fromConfig(Config config) {
        return build(Objects.requireNonNull(config, "config"), List.of());
    }

    /**
     * @param overrides {@code key=value} strings, as in {@link #load(Path, List)}
     * @return a new validated configuration with the overrides applied on top of this one
     * @throws ConfigException as {@link #load(Path, List)}
     */
    public SearchConfig withOverrides(List<String> overrides) {
        return build(raw, overrides);
    }

    /** @return every settable key relative to {@code sparknas.}, sorted (e.g. {@code search.layers}) */
    public static Set<String> knownKeys() {
        return KNOWN_KEYS;
    }

    // ------------------------------------------------------------------ accessors

    /** @return {@code sparknas.run} */
    public Run run() {
        return run;
    }

    /** @return {@code sparknas.data} */
    public Data data() {
        return data;
    }

    /** @return {@code sparknas.retrain} with the test files of {@code sparknas.data} */
    public Retrain retrain() {
        return retrain;
    }

    /** @return {@code sparknas.search} */
    public Search search() {
        return search;
    }

    /** @return {@code sparknas.estimator} */
    public Estimator estimator() {
        return estimator;
    }

    /** @return {@code sparknas.optim.weights} */
    public WeightsOptim weightsOptim() {
        return weightsOptim;
    }

    /** @return {@code sparknas.optim.alpha} */
    public AlphaOptim alphaOptim() {
        return alphaOptim;
    }

    /** @return {@code sparknas.compute} */
    public Compute compute() {
        return compute;
    }

    /** @return {@code sparknas.monitor} */
    public Monitor monitor() {
        return monitor;
    }

    /** @return {@code sparknas.checkpoint} */
    public Checkpointing checkpointing() {
        return checkpointing;
    }

    /** @return {@code sparknas.livy} */
    public Livy livy() {
        return livy;
    }

    /** @return {@code sparknas.spark} */
    public Spark spark() {
        return spark;
    }

    /** @return the resolved, merged configuration (overrides, file and reference.conf) */
    public Config raw() {
        return raw;
    }

    /**
     * @return the fully resolved {@code sparknas} block, every default written out, as formatted HOCON
     *         without comments; {@link #fromConfig(Config)} of its parse gives an equal configuration
     */
    public String render() {
        return raw.root().withOnlyKey(ROOT)
                .render(ConfigRenderOptions.concise().setFormatted(true).setJson(false));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SearchConfig other)) {
            return false;
        }
        return run.equals(other.run) && data.equals(other.data) && search.equals(other.search)
                && estimator.equals(other.estimator) && weightsOptim.equals(other.weightsOptim)
                && alphaOptim.equals(other.alphaOptim) && compute.equals(other.compute)
                && monitor.equals(other.monitor) && spark.equals(other.spark)
                && checkpointing.equals(other.checkpointing);
    }

    @Override
    public int hashCode() {
        return Objects.hash(run, data, search, estimator, weightsOptim, alphaOptim, compute, monitor, spark, checkpointing);
    }

    @Override
    public String toString() {
        return render();
    }

    // ------------------------------------------------------------------ building

    private static SearchConfig build(Config base, List<String> overrides) {
        Config ov = parseOverrides(overrides);
        Config merged;
        try {
            merged = ov.withFallback(base).withFallback(REFERENCE).resolve();
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(null, "cannot resolve configuration: " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new ConfigException(null, "cannot resolve configuration: it nests objects or lists too deeply (a"
                    + " sparknas config is at most four levels deep)", null);
        }
        checkNoUnknownKeys(merged);
        return new SearchConfig(merged);
    }

    private static Config loadReference() {
        Config ref = ConfigFactory.parseResources(SearchConfig.class.getClassLoader(), "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
        if (!ref.hasPath(ROOT)) {
            throw new IllegalStateException("reference.conf on the classpath has no '" + ROOT + "' block");
        }
        return ref;
    }

    private static Set<String> collectKnownKeys() {
        Set<String> keys = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : REFERENCE.getConfig(ROOT).entrySet()) {
            keys.add(e.getKey());
        }
        return java.util.Collections.unmodifiableSet(keys);
    }

    private static boolean isKnownLeaf(String relativeKey) {
        return KNOWN_KEYS.contains(relativeKey);
    }

    private static Config parseOverrides(List<String> overrides) {
        Config acc = ConfigFactory.empty();
        if (overrides == null) {
            return acc;
        }
        for (String o : overrides) {
            if (o == null) {
                throw new ConfigException(null, "malformed override: null (expected key=value, e.g. search.layers=5)");
            }
            int eq = o.indexOf('=');
            String key = eq < 0 ? "" : o.substring(0, eq).trim();
            if (eq < 0 || key.isEmpty()) {
                throw new ConfigException(null, "malformed override '" + o
                        + "': expected key=value, e.g. search.layers=5");
            }
            String rel = key.startsWith(ROOT + ".") ? key.substring(ROOT.length() + 1) : key;
            String full = ROOT + "." + rel;
            try {
                ConfigUtil.splitPath(full);
            } catch (com.typesafe.config.ConfigException e) {
                throw new ConfigException(null, "malformed override '" + o + "': bad key '" + key + "'", e);
            }
            if (!isKnownLeaf(rel)) {
                throw new ConfigException(full, unknownKeyMessage(full, rel, "override '" + o + "'"));
            }
            ConfigValue value = parseOverrideValue(full, o.substring(eq + 1).trim(), o)
                    .withOrigin(ConfigOriginFactory.newSimple("override '" + o + "'"));
            acc = acc.withValue(full, value);
        }
        return acc;
    }

    private static ConfigValue parseOverrideValue(String full, String text, String override) {
        boolean stringKey = REFERENCE.getValue(full).valueType() == ConfigValueType.STRING;
        if (stringKey && !text.startsWith("\"")) {
            return ConfigValueFactory.fromAnyRef(text); // literal: paths and URIs contain "//" and ":"
        }
        try {
            ConfigValue v = ConfigFactory.parseString("v = " + text).root().get("v");
            if (v == null) {
                throw new ConfigException(full, "cannot parse override '" + override + "': no value");
            }
            return v;
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(full, "cannot parse the value of override '" + override + "' as HOCON: "
                    + e.getMessage(), e);
        }
    }

    private static void checkNoUnknownKeys(Config merged) {
        Config block;
        try {
            block = merged.getConfig(ROOT);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(ROOT, ROOT + " must be an object: " + e.getMessage(), e);
        }
        for (Map.Entry<String, ConfigValue> e : block.entrySet()) {
            String rel = e.getKey();
            if (!isKnownLeaf(rel)) {
                String full = ROOT + "." + rel;
                throw new ConfigException(full, unknownKeyMessage(full, rel, e.getValue().origin().description()));
            }
        }
    }

    private static String unknownKeyMessage(String full, String rel, String where) {
        StringBuilder sb = new StringBuilder();
        if (REFERENCE.hasPath(full) && REFERENCE.getValue(full).valueType() == ConfigValueType.OBJECT) {
            sb.append(full).append(" is a section, not a value (").append(where).append("); set one of its keys, e.g. ")
                    .append(KNOWN_KEYS.stream().filter(k -> k.startsWith(rel + ".")).findFirst().orElse(rel));
            return sb.toString();
        }
        sb.append("unknown key ").append(full).append(" (").append(where).append(')');
        String last = rel.substring(rel.lastIndexOf('.') + 1);
        List<String> same = KNOWN_KEYS.stream().filter(k -> k.substring(k.lastIndexOf('.') + 1).equals(last)).toList();
        String best = same.size() > 1 ? String.join(" or ", same) : closest(rel, KNOWN_KEYS);
        if (best != null) { // a name two blocks share (search.layers, retrain.layers) suggests both
            sb.append("; did you mean ").append(best).append('?');
        }
        sb.append(" Known keys are listed in reference.conf and conf/README.md");
        return sb.toString();
    }

    /** The closest candidate by edit distance (or by matching last segment), null if none is close. */
    static String closest(String given, Iterable<String> candidates) {
        String lastGiven = given.substring(given.lastIndexOf('.') + 1);
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = levenshtein(given, c);
            String lastC = c.substring(c.lastIndexOf('.') + 1);
            if (lastC.equals(lastGiven)) {
                d = Math.min(d, 1);
            }
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best != null && bestD <= Math.max(2, given.length() / 3) ? best : null;
    }

    private static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    // ------------------------------------------------------------------ validation

    private static Run readRun(V v) {
        String output = v.str("run.output");
        if (output.isBlank()) {
            throw v.bad("run.output", "must not be empty");
        }
        String id = v.str("run.id");
        if (id.contains("/") || id.contains("\\") || id.equals(".") || id.equals("..")) {
            throw v.bad("run.id", "must be a plain directory name (no '/' or '\\', not '.' or '..'), or \"\" for a timestamped id");
        }
        java.time.Duration wall;
        try {
            wall = v.c.getDuration(ROOT + ".run.max-wall-time");
        } catch (com.typesafe.config.ConfigException e) {
            throw v.bad("run.max-wall-time", "must be a duration such as 0, 90m or 7h", e);
        }
        if (wall.isNegative()) {
            throw v.bad("run.max-wall-time", "must not be negative (0 = no limit)");
        }
        return new Run(output, id, v.l("run.seed"), v.i("run.log-every"), wall,
                v.i("run.max-steps"));
    }

    private static Data readData(V v) {
        String format = v.s("data.format");
        String dir = v.str("data.dir");
        String images = v.str("data.train-images");
        String labels = v.str("data.train-labels");
        List<String> cifar = v.strList("data.cifar-files");
        int limit = v.i("data.limit");
        double portion = v.d("data.train-portion");
        String normalize = v.s("data.normalize");
        boolean augment = v.bool("data.augment");
        int classes = v.i("data.classes");
        if (format.equals("idx")) {
            if (images.isBlank()) {
                throw v.bad("data.train-images", "must be set when " + ROOT + ".data.format = \"idx\"");
            }
            if (labels.isBlank()) {
                throw v.bad("data.train-labels", "must be set when " + ROOT + ".data.format = \"idx\"");
            }
        } else {
            if (cifar.isEmpty()) {
                throw v.bad("data.cifar-files", "must list at least one binary batch file when "
                        + ROOT + ".data.format = \"" + format + "\"");
            }
            for (String f : cifar) {
                if (f.isBlank()) {
                    throw v.bad("data.cifar-files", "must not contain an empty path");
                }
            }
        }
        if (limit > 0) {
            long weightRecords = (long) Math.floor(limit * portion);
            if (weightRecords < 1 || limit - weightRecords < 1) {
                throw v.bad("data.limit", "must be 0 (all) or large enough that train-portion " + portion
                        + " leaves at least one record for ω and one for α (gives " + weightRecords + " and "
                        + (limit - weightRecords) + ")");
            }
        }
        List<String> cifarResolved = new ArrayList<>(cifar.size());
        for (String f : cifar) {
            cifarResolved.add(resolvePath(dir, f));
        }
        return new Data(format, dir, resolvePath(dir, images), resolvePath(dir, labels), cifarResolved, limit,
                portion, normalize, augment, classes);
    }

    private static Retrain readRetrain(V v, Data data) {
        int layers = v.i("retrain.layers");
        if (layers > 0 && layers < 3) {
            throw v.bad("retrain.layers", "must be 0 (the search's) or >= 3 (two of the cells reduce)");
        }
        int channels = v.i("retrain.channels", "0 = the search's; FactorizedReduce halves it");
        double drop = v.d("retrain.drop-path");
        double momentum = v.d("retrain.bn-momentum");
        String dir = data.dir();
        List<String> cifarTest = new ArrayList<>();
        for (String f : v.strList("data.cifar-test-files")) {
            if (f.isBlank()) {
                throw v.bad("data.cifar-test-files", "must not contain an empty path");
            }
            cifarTest.add(resolvePath(dir, f));
        }
        return new Retrain(v.str("retrain.genotype").trim(), v.str("retrain.from"), layers, channels,
                v.i("retrain.epochs"), v.i("retrain.batch"),
                v.i("retrain.steps-per-epoch"), drop, v.d("retrain.auxiliary-weight"),
                v.i("retrain.cutout"), momentum, v.i("retrain.test-limit"),
                v.i("retrain.eval-every"), v.i("retrain.eval-batch"),
                resolvePath(dir, v.str("data.test-images")), resolvePath(dir, v.str("data.test-labels")), cifarTest);
    }

    /**
     * The held-out test files as a data block of the training's format, normalisation and classes, with
     * {@code retrain.test-limit} as its limit: what the re-training evaluates on.
     *
     * @throws ConfigException when the format's test files are not set
     */
    public Data testData() {
        Retrain r = retrain;
        if (data.isCifar() ? r.cifarTestFiles().isEmpty() : r.testImages().isBlank() || r.testLabels().isBlank()) {
            String key = data.isCifar() ? "data.cifar-test-files" : "data.test-images / data.test-labels";
            throw new ConfigException(ROOT + "." + (data.isCifar() ? "data.cifar-test-files" : "data.test-images"),
                    ROOT + "." + key + " must name the held-out test file(s) of data.format = \"" + data.format()
                    + "\" to evaluate a re-training" + (data.isCifar() ? " (e.g. [test_batch.bin])" : ""));
        }
        return new Data(data.format(), data.dir(), r.testImages(), r.testLabels(), r.cifarTestFiles(), r.testLimit(),
                0.5, data.normalize(), false, data.classes());
    }

    /** {@code dir + "/" + p} for a relative {@code p}; absolute paths, URIs and empty values unchanged. */
    static String resolvePath(String dir, String p) {
        if (dir.isEmpty() || p.isEmpty() || p.startsWith("/") || URI_SCHEME.matcher(p).matches()) {
            return p;
        }
        String d = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
        return d + "/" + p;
    }

    private static Search readSearch(V v) {
        List<String> ops = v.strList("search.ops");
        if (ops.isEmpty()) {
            throw v.bad("search.ops", "must not be empty; known ops: " + String.join(", ", DARTS_OPS));
        }
        Set<String> seen = new HashSet<>();
        for (String op : ops) {
            if (!DARTS_OPS.contains(op)) {
                String near = closest(op, DARTS_OPS);
                throw v.bad("search.ops", "unknown op \"" + op + "\""
                        + (near != null ? " (did you mean " + near + "?)" : "")
                        + "; known ops: " + String.join(", ", DARTS_OPS));
            }
            if (!seen.add(op)) {
                throw v.bad("search.ops", "duplicate op \"" + op + "\"");
            }
        }
        if (ops.size() == 1 && ops.get(0).equals("none")) {
            throw v.bad("search.ops", "must contain at least one op other than none (the genotype keeps the best non-none op)");
        }
        int nodes = v.i("search.nodes");
        int layers = v.i("search.layers", "the reduction cells sit at floor(L/3) and floor(2L/3); fewer than 3 cells"
                + " leaves no normal cell before them or makes them coincide");
        int channels = v.i("search.channels", "FactorizedReduce splits the channels in two halves");
        String sharing = v.s("search.alpha-sharing");
        int epochs = v.i("search.epochs");
        int batch = v.i("search.batch");
        int steps = v.i("search.steps-per-epoch");
        String est = v.s("search.estimator");
        return new Search(ops, nodes, layers, channels, sharing, epochs, batch, steps, est);
    }

    private static Estimator readEstimator(V v) {
        return new Estimator(v.d("estimator.eta"), v.d("estimator.epsilon-hv"),
                v.d("estimator.epsilon-mixed"), v.d("estimator.epsilon-unrolled"),
                v.s("estimator.products"), v.s("estimator.implicit.method"),
                v.i("estimator.implicit.steps"), v.d("estimator.implicit.gamma"),
                v.d("estimator.implicit.damping"));
    }

    private static WeightsOptim readWeights(V v) {
        double lr = v.d("optim.weights.lr");
        double lrMin = v.d("optim.weights.lr-min");
        if (lrMin > lr) {
            throw v.bad("optim.weights.lr-min", "must be >= 0 and <= " + ROOT + ".optim.weights.lr (" + lr + ")");
        }
        double momentum = v.d("optim.weights.momentum");
        return new WeightsOptim(lr, lrMin, momentum, v.d("optim.weights.weight-decay"),
                v.d("optim.weights.grad-clip"));
    }

    private static AlphaOptim readAlpha(V v) {
        double lr = v.d("optim.alpha.lr");
        double b1 = v.d("optim.alpha.beta1");
        double b2 = v.d("optim.alpha.beta2");
        return new AlphaOptim(lr, b1, b2, v.d("optim.alpha.eps"),
                v.d("optim.alpha.weight-decay"));
    }

    /** Typed reads of {@code sparknas.<key>} with messages naming the full key and value. */
    private static final class V {
        private final Config c;

        V(Config c) {
            this.c = c;
        }

        ConfigException bad(String rel, String why) {
            return bad(rel, why, null);
        }

        ConfigException bad(String rel, String why, Throwable cause) {
            String full = ROOT + "." + rel;
            String shown;
            String where = "";
            try {
                if (c.getIsNull(full)) {
                    shown = "null";
                } else {
                    ConfigValue value = c.getValue(full);
                    shown = value.render(ConfigRenderOptions.concise());
                    ConfigOrigin origin = value.origin();
                    if (origin != null && origin.resource() == null) {
                        where = " (set in " + origin.description() + ")";
                    }
                }
            } catch (com.typesafe.config.ConfigException e) {
                shown = "?";
            }
            return new ConfigException(full, full + " = " + shown + ": " + why + where, cause);
        }

        /** The declaration of {@code rel}, checked to be of {@code type}: a mismatch is a bug in this class. */
        private ConfigSchema.Key declared(String rel, ConfigSchema.Type... types) {
            ConfigSchema.Key k = ConfigSchema.get(rel);
            if (!List.of(types).contains(k.type())) {
                throw new IllegalStateException(rel + " is declared " + k.type() + ", read as " + List.of(types));
            }
            return k;
        }

        /** An INT key, in its declared range (and even when declared so). */
        int i(String rel) {
            return i(rel, null);
        }

        /** An INT key; {@code why} (nullable) is added to the range error. */
        int i(String rel, String why) {
            ConfigSchema.Key k = declared(rel, ConfigSchema.Type.INT);
            int v = integer(rel);
            if (!k.inRange(v) || (k.even() && v % 2 != 0)) {
                throw bad(rel, "must be " + k.allowedText() + (why == null ? "" : " (" + why + ")"));
            }
            return v;
        }

        /** A DOUBLE key, finite and in its declared range. */
        double d(String rel) {
            ConfigSchema.Key k = declared(rel, ConfigSchema.Type.DOUBLE);
            double v = dbl(rel);
            if (!k.inRange(v)) {
                throw bad(rel, "must be " + k.allowedText());
            }
            return v;
        }

        /** A LONG key (any integer). */
        long l(String rel) {
            declared(rel, ConfigSchema.Type.LONG);
            return lng(rel);
        }

        /** An ENUM key: one of its declared values. */
        String s(String rel) {
            return oneOf(rel, declared(rel, ConfigSchema.Type.ENUM).allowed());
        }

        String str(String rel) {
            declared(rel, ConfigSchema.Type.STRING, ConfigSchema.Type.ENUM);
            String s;
            try {
                s = c.getString(ROOT + "." + rel);
            } catch (com.typesafe.config.ConfigException e) {
                throw bad(rel, "must be a string", e);
            }
            return noNul(rel, s);
        }

        /** Strings name paths, ids and URIs here, none of which may hold a NUL character. */
        private String noNul(String rel, String s) {
            if (s.indexOf('\0') >= 0) {
                throw bad(rel, "must not contain a NUL character (at position " + s.indexOf('\0') + ")");
            }
            return s;
        }

        /** A DURATION key ({@code 500ms}, {@code 15s}, {@code 7h}), not negative. */
        java.time.Duration dur(String rel) {
            declared(rel, ConfigSchema.Type.DURATION);
            java.time.Duration d;
            try {
                d = c.getDuration(ROOT + "." + rel);
            } catch (com.typesafe.config.ConfigException e) {
                throw bad(rel, "must be a duration such as 500ms, 15s or 2m", e);
            }
            if (d.isNegative()) {
                throw bad(rel, "must not be negative");
            }
            return d;
        }

        boolean bool(String rel) {
            declared(rel, ConfigSchema.Type.BOOLEAN);
            try {
                return c.getBoolean(ROOT + "." + rel);
            } catch (com.typesafe.config.ConfigException e) {
                throw bad(rel, "must be true or false", e);
            }
        }

        List<String> strList(String rel) {
            declared(rel, ConfigSchema.Type.STRING_LIST);
            List<String> l;
            try {
                l = c.getStringList(ROOT + "." + rel);
            } catch (com.typesafe.config.ConfigException e) {
                throw bad(rel, "must be a list of strings", e);
            }
            l.forEach(s -> noNul(rel, s));
            return l;
        }

        String oneOf(String rel, List<String> allowed) {
            String s = str(rel);
            if (!allowed.contains(s)) {
                String lower = s.toLowerCase(Locale.ROOT);
                String hint = allowed.contains(lower) ? " (values are lower case)" : "";
                throw bad(rel, "must be one of " + String.join(", ", allowed) + hint);
            }
            return s;
        }

        long lng(String rel) {
            Number n;
            try {
                n = c.getNumber(ROOT + "." + rel);
            } catch (com.typesafe.config.ConfigException e) {
                throw bad(rel, "must be an integer", e);
            }
            if (n instanceof Double || n instanceof Float) {
                double d = n.doubleValue();
                if (d != Math.rint(d) || Math.abs(d) > 9.0e15) {
                    throw bad(rel, "must be an integer");
                }
            }
            return n.longValue();
        }

        int integer(String rel) {
            long l = lng(rel);
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw bad(rel, "must be an integer between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
            }
            return (int) l;
        }


        double dbl(String rel) {
            double d;
            try {
                d = c.getDouble(ROOT + "." + rel);
            } catch (com.typesafe.config.ConfigException e) {
                throw bad(rel, "must be a number", e);
            }
            if (!Double.isFinite(d)) {
                throw bad(rel, "must be a finite number");
            }
            return d;
        }



    }
}
