package ai.sparknas.spark.livy;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.run.ExitCodes;
import ai.sparknas.driver.run.RunDirectory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sparknas-livy submit|status|log|wait|kill}: the job through Livy's batch API, for notebooks and
 * schedulers. Exit codes: 0 done (for {@code wait}: the batch succeeded), 2 a setting or request Livy
 * refuses (named), 3 the server cannot be reached or fails (HTTP 5xx), and {@code wait} mirrors the
 * job's own code when the batch ends dead or killed (75: stopped after a checkpoint, submit the same
 * arguments again to resume; 2, 3, 4, 5 as the job's), 6 when the batch ended dead or killed and
 * neither its log nor status.json tells the job's code, 124 when {@code --timeout} passed first.
 */
@Command(name = "sparknas-livy", mixinStandardHelpOptions = true, version = "sparknas 0.1.0",
        description = "Run sparknas search / retrain as Livy batches and follow them.",
        subcommands = {LivyMain.Submit.class, LivyMain.Status.class, LivyMain.LogCommand.class, LivyMain.Wait.class,
                LivyMain.Kill.class})
public final class LivyMain {

    /** The batch ended dead or killed and nothing tells the job's exit code. */
    public static final int EXIT_BATCH_FAILED = 6;
    /** {@code wait --timeout} passed while the batch was still running. */
    public static final int EXIT_TIMEOUT = 124;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The job's first lines name its run directory (SearchRun / RetrainRun / SparkMain). */
    private static final Pattern RUN_DIR = Pattern.compile("^(?:resuming )?run directory (\\S+)$");
    private static final Pattern EXIT_LINE = Pattern.compile("^sparknas: exit code (\\d+)$");

    static Map<String, String> env = System.getenv();
    static PrintStream out = System.out;
    static PrintStream err = System.err;

    private LivyMain() {
    }

    /** The client's own settings: {@code livy.*} keys of a config file and overrides, then the environment. */
    static class Client {
        @Option(names = {"-c", "--config"}, description = "HOCON config file holding livy.* keys (optional)")
        Path config;

        @Option(names = "--set", paramLabel = "key=value", description = "a livy.* override, e.g. --set livy.url=http://h:8998")
        List<String> set = new ArrayList<>();

        LivySettings settings() {
            return LivySettings.of(SearchConfig.load(config, set).livy(), env);
        }
    }

    /** A batch id, its run directory when the log does not name it, and the client's settings. */
    static class Batch {
        @Parameters(index = "0", paramLabel = "BATCH_ID")
        int id;

        @Option(names = "--run-dir", description = "the run directory (default: the one the batch's log names)")
        String runDir;

        @CommandLine.Mixin
        Client client = new Client();

        /** {@code --run-dir}, else the one the batch's log names (null while it names none). */
        String runDir(LivyClient c) {
            return runDir != null ? runDir : runDirOf(c.log(id).stdout());
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit `search` or `retrain` with the"
            + " arguments spark-submit takes (-c FILE, key=value, --from, --genotype, --force); prints the batch id on"
            + " stdout. livy.* keys among them configure the client and are not passed on.")
    static final class Submit implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "COMMAND", description = "search or retrain")
        String command;

        @Parameters(index = "1..*", paramLabel = "key=value", description = "config overrides, as for spark-submit")
        List<String> overrides = new ArrayList<>();

        @Option(names = {"-c", "--config"}, description = "HOCON config file (read here and by the driver: give a path"
                + " both can read)")
        Path config;

        @Option(names = "--from", paramLabel = "RUN_DIR", description = "retrain: the search run directory")
        Path from;

        @Option(names = "--genotype", paramLabel = "TEXT|NAME|FILE", description = "retrain: the genotype")
        String genotype;

        @Option(names = "--force", description = "passed on: resume although the stored config differs")
        boolean force;

        @Option(names = "--name", description = "the batch's name (default: sparknas COMMAND RUN_ID and the time;"
                + " Livy refuses a name in use)")
        String name;

        @Option(names = "--wait", description = "then wait for the batch, as `sparknas-livy wait`")
        boolean waitToo;

        @Option(names = "--timeout", description = "with --wait: give up waiting after this (e.g. 2h; default none)")
        String timeout;

        @Override
        public Integer call() throws IOException {
            if (!command.equals("search") && !command.equals("retrain")) {
                throw new LivyException(ExitCodes.CONFIG, "unknown command " + command + ": submit search or retrain");
            }
            Duration waitTimeout = parse(timeout); // before anything is submitted
            List<String> jobKeys = new ArrayList<>();
            List<String> clientKeys = new ArrayList<>();
            for (String o : overrides) {
                (o.startsWith("livy.") || o.startsWith("sparknas.livy.") ? clientKeys : jobKeys).add(o);
            }
            Path cfgFile = config == null ? null : config.toAbsolutePath().normalize();
            SearchConfig cfg = SearchConfig.load(cfgFile, overrides); // the job's config, checked before submitting
            LivySettings s = LivySettings.of(cfg.livy(), env);
            RunDirectory.Kind kind = command.equals("search") ? RunDirectory.Kind.SEARCH : RunDirectory.Kind.RETRAIN;
            String runId = RunDirectory.id(cfg, kind);
            String output = cfg.run().output();
            boolean local = !output.matches("[A-Za-z][A-Za-z0-9+.-]*:.*"); // no scheme: a path (hdfs://, file:/ are URIs)
            if (local && !Path.of(output).isAbsolute()) {
                output = Path.of(output).toAbsolutePath().normalize().toString();
                err.println("sparknas-livy: run.output is relative; the driver would resolve it against the Livy server's"
                        + " directory, so it is passed as " + output);
            }
            String runDir = output.endsWith("/") ? output + runId : output + "/" + runId;
            if (s.loopback() && !s.jar().isBlank() && !s.jar().contains("://") && !s.jar().startsWith("file:")
                    && !java.nio.file.Files.isRegularFile(Path.of(s.jar()))) {
                throw new LivyException(ExitCodes.CONFIG, s.jarSource() + " = " + s.jar() + " does not exist, and the"
                        + " Livy server (" + s.url() + ") is on this machine: build the jar (mvn -q -B -DskipTests package)"
                        + " and copy it there, or fix the path");
            }
            List<String> args = new ArrayList<>(List.of(command));
            if (cfgFile != null) {
                args.addAll(List.of("-c", cfgFile.toString()));
            }
            if (from != null) {
                args.addAll(List.of("--from", from.toAbsolutePath().normalize().toString()));
            }
            if (genotype != null) { // a local genotype file by its absolute path: the driver runs elsewhere
                boolean file = !genotype.contains("(") && java.nio.file.Files.isRegularFile(Path.of(genotype));
                args.addAll(List.of("--genotype", file ? Path.of(genotype).toAbsolutePath().normalize().toString()
                        : genotype));
            }
            if (force) {
                args.add("--force");
            }
            args.addAll(jobKeys);
            args.add("run.output=" + output);
            args.add("run.id=" + runId); // fixed here, so that this client knows the run directory
            String batchName = name != null ? name : "sparknas " + command + " " + runId + " "
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            LivyClient client = new LivyClient(s);
            LivyClient.Batch b = client.submit(BatchRequest.of(s, batchName, args));
            err.println("sparknas-livy: batch " + b.id() + " (" + batchName + ") submitted to " + s.url() + ", state "
                    + b.state() + "; run directory " + runDir);
            out.println(b.id());
            out.flush();
            if (waitToo) {
                return new Follow(client, s, b.id(), runDir, waitTimeout).run();
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "The batch's state and, when the run"
            + " directory is readable here, its status.json.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Mixin
        Batch batch = new Batch();

        @Option(names = "--json", description = "print {\"batch\": ..., \"status\": ...} as JSON")
        boolean json;

        @Override
        public Integer call() throws IOException {
            LivyClient c = new LivyClient(batch.client.settings());
            LivyClient.Batch b = c.batch(batch.id);
            String dir = batch.runDir(c);
            Optional<JsonNode> st = RunStatusProbe.read(dir).filter(j -> ofBatch(j, b.name()));
            if (json) {
                var n = JSON.createObjectNode();
                n.putObject("batch").put("id", b.id()).put("state", b.state()).put("appId", b.appId()).put("name", b.name())
                        .put("run_dir", dir);
                n.set("status", st.orElse(null));
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
            } else {
                out.println("batch " + b.id() + ": " + b.state() + (b.appId() == null ? "" : " (" + b.appId() + ")")
                        + (b.name() == null ? "" : ", " + b.name()));
                out.println(st.map(RunStatusProbe::summary).orElse(dir == null ? "run directory: not named in the log yet"
                        : "run directory " + dir + ": no status.json readable here"));
                st.ifPresent(s -> out.println("genotype: " + s.path("genotype").asText("(none yet)")));
            }
            return 0;
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true, description = "The batch's log as Livy keeps it"
            + " (spark-submit's output).")
    static final class LogCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "BATCH_ID")
        int id;

        @CommandLine.Mixin
        Client client = new Client();

        @Override
        public Integer call() {
            LivyClient.Log log = new LivyClient(client.settings()).log(id);
            log.stdout().forEach(out::println);
            log.stderr().forEach(err::println);
            return 0;
        }
    }

    @Command(name = "wait", mixinStandardHelpOptions = true, description = "Follow the batch to its end: new log lines"
            + " and the run's progress; exits with the job's code (see sparknas-livy --help).")
    static final class Wait implements Callable<Integer> {
        @CommandLine.Mixin
        Batch batch = new Batch();

        @Option(names = "--timeout", description = "give up after this (e.g. 90m); exit 124")
        String timeout;

        @Override
        public Integer call() {
            LivySettings s = batch.client.settings();
            return new Follow(new LivyClient(s), s, batch.id, batch.runDir, parse(timeout)).run();
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true, description = "Kill the batch (Livy sends SIGTERM: the job"
            + " writes a checkpoint and stops with 75), and report what the run recorded.")
    static final class Kill implements Callable<Integer> {
        @CommandLine.Mixin
        Batch batch = new Batch();

        @Override
        public Integer call() {
            int id = batch.id;
            LivyClient c = new LivyClient(batch.client.settings());
            LivyClient.Batch b = c.batch(id);
            String dir = batch.runDir(c);
            c.kill(id);
            out.println("batch " + id + " killed (it was " + b.state() + "); Livy forgets it now");
            // the job's SIGTERM handler checkpoints and exits 75; status.json says so once it has
            settled(dir, b.name()).ifPresent(j -> out.println(RunStatusProbe.summary(j) + (j.path("exit_code").asInt() == ExitCodes.SUSPENDED
                    ? "; submit the same arguments again to resume" : "")));
            return 0;
        }
    }

    /** Follows a batch: polls with backoff, prints new log lines and status changes, maps the end to an exit code. */
    static final class Follow {
        /**
         * Consecutive failed polls (server unreachable, HTTP 5xx) that {@code wait} rides out, once the server
         * has answered, before giving up.
         */
        static final int TRANSIENT_FAILURES = 5;

        private final LivyClient client;
        private final LivySettings settings;
        private final int id;
        private final Duration timeout;
        private String runDir;
        private String batchName;

        Follow(LivyClient client, LivySettings settings, int id, String runDir, Duration timeout) {
            this.client = client;
            this.settings = settings;
            this.id = id;
            this.runDir = runDir;
            this.timeout = timeout;
        }

        int run() {
            LogFollower stdout = new LogFollower();
            LogFollower stderr = new LogFollower();
            List<String> seen = new ArrayList<>();
            String lastStatus = null;
            Duration floor = Duration.ofMillis(100);
            Duration initial = max(positive(settings.keys().pollInitial(), Duration.ofSeconds(1)), floor);
            Duration longest = max(positive(settings.keys().pollMax(), Duration.ofSeconds(15)), initial);
            Duration sleep = initial;
            long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
            boolean known = false;
            int failures = 0;
            while (true) {
                LivyClient.Batch b;
                LivyClient.Log log = null;
                boolean deleted = false;
                try {
                    b = client.batch(id);
                    batchName = b.name();
                    known = true;
                    log = client.log(id);
                    failures = 0;
                } catch (LivyException e) {
                    if (gone(e) && known) {
                        b = new LivyClient.Batch(id, "killed", null, batchName); // deleted while we followed it
                        deleted = true;
                    } else if (known && e.exitCode() == ExitCodes.DATA && ++failures < TRANSIENT_FAILURES) {
                        // a server that answered before and fails now (a restart, a 503): ride it out; one that
                        // never answered is reported at once
                        err.println("sparknas-livy: " + e.getMessage() + "; trying again (" + failures + " of "
                                + (TRANSIENT_FAILURES - 1) + ")");
                        pause(longest);
                        continue;
                    } else {
                        throw e;
                    }
                }
                boolean fresh = false;
                if (log != null) {
                    for (String line : stdout.next(log.stdout())) {
                        out.println(line);
                        seen.add(line);
                        fresh = true;
                    }
                    for (String line : stderr.next(log.stderr())) {
                        err.println(line);
                        seen.add(line);
                        fresh = true;
                    }
                    if (runDir == null) {
                        runDir = runDirOf(seen);
                    }
                }
                Optional<JsonNode> st = deleted ? settled(runDir, batchName)
                        : RunStatusProbe.read(runDir).filter(j -> ofBatch(j, batchName)); // not an earlier launch's
                String summary = st.map(RunStatusProbe::summary).orElse(null);
                if (summary != null && !summary.equals(lastStatus)) {
                    err.println("status: " + summary);
                    lastStatus = summary;
                    fresh = true;
                }
                if (b.ended()) {
                    return ended(b, seen, st);
                }
                if (System.nanoTime() > deadline) {
                    err.println("sparknas-livy: batch " + id + " is still " + b.state() + " after --timeout " + timeout
                            + "; it keeps running (sparknas-livy wait " + id + " to follow it again)");
                    return EXIT_TIMEOUT;
                }
                sleep = fresh ? initial : min(sleep.multipliedBy(2), longest);
                if (!pause(sleep)) {
                    return EXIT_TIMEOUT;
                }
            }
        }

        private int ended(LivyClient.Batch b, List<String> log, Optional<JsonNode> status) {
            if (b.state().equals("success")) {
                err.println("sparknas-livy: batch " + id + " succeeded");
                return 0;
            }
            Integer code = null;
            for (String line : log) {
                Matcher m = EXIT_LINE.matcher(line.strip());
                if (m.matches()) {
                    code = Integer.parseInt(m.group(1));
                }
            }
            if (code == null && status.isPresent() && !status.get().path("state").asText().equals("running")
                    && status.get().path("exit_code").isInt()) {
                code = status.get().path("exit_code").asInt();
            }
            String why;
            if (code != null) {
                String runId = status.map(j -> j.path("run_id").asText(null)).orElse(
                        runDir == null ? null : runDir.substring(runDir.lastIndexOf('/') + 1));
                why = "the job exited with " + code + (code == ExitCodes.SUSPENDED ? " (stopped after a checkpoint: submit"
                        + " the same arguments again" + (runId == null ? "" : ", with run.id=" + runId) + ", to resume)"
                        : "");
            } else if (log.stream().anyMatch(l -> l.contains("does not exist") && l.contains(".jar"))) {
                code = ExitCodes.CONFIG;
                why = "spark-submit could not read the application jar on the Livy host (" + settings.jarSource()
                        + " = " + settings.jar() + "): " + log.stream().filter(l -> l.contains("does not exist"))
                        .findFirst().orElse("");
            } else {
                code = EXIT_BATCH_FAILED;
                why = "neither its log nor status.json shows the job's exit code; see sparknas-livy log " + id;
            }
            err.println("sparknas-livy: batch " + id + " ended " + b.state() + ": " + why);
            return code;
        }

        private static boolean gone(LivyException e) {
            return e.getMessage() != null && e.getMessage().contains("has no batch");
        }

        private static boolean pause(Duration d) {
            try {
                Thread.sleep(d.toMillis());
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Whether status.json was written by the launch of batch {@code batchName} (its {@code app_name},
     * which spark-submit takes from the batch's name), not by an earlier launch of the same run; when
     * the name is unknown, any file is taken.
     */
    static boolean ofBatch(JsonNode status, String batchName) {
        return batchName == null || batchName.equals(status.path("app_name").asText(null));
    }

    /**
     * The run's status once it has left {@code running} (a killed batch's job checkpoints and exits on
     * SIGTERM within seconds), or as it is after 60 s.
     */
    static Optional<JsonNode> settled(String runDir, String batchName) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Optional<JsonNode> st = RunStatusProbe.read(runDir).filter(j -> ofBatch(j, batchName));
        while (st.isPresent() && st.get().path("state").asText().equals("running") && System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            st = RunStatusProbe.read(runDir).filter(j -> ofBatch(j, batchName));
        }
        return st;
    }

    static String runDirOf(List<String> lines) {
        for (String l : lines) {
            Matcher m = RUN_DIR.matcher(l.strip());
            if (m.matches()) {
                return m.group(1);
            }
        }
        return null;
    }

    private static Duration parse(String text) {
        if (text == null) {
            return null;
        }
        Duration d;
        try {
            d = com.typesafe.config.ConfigFactory.parseString("t = " + text).getDuration("t");
        } catch (com.typesafe.config.ConfigException e) {
            throw new LivyException(ExitCodes.CONFIG, "--timeout " + text + " is not a duration (e.g. 90s, 30m, 2h)");
        }
        if (d.isNegative() || d.isZero()) {
            throw new LivyException(ExitCodes.CONFIG, "--timeout " + text + " must be positive (leave it out to wait"
                    + " for the end)");
        }
        return d.compareTo(Duration.ofDays(36_500)) > 0 ? null : d; // beyond a century: no limit
    }

    private static Duration positive(Duration d, Duration fallback) {
        return d.isZero() ? fallback : d;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new LivyMain());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            int code;
            if (ex instanceof LivyException l) {
                code = l.exitCode();
            } else if (ex instanceof ConfigException) {
                code = ExitCodes.CONFIG;
            } else {
                code = ExitCodes.of(ex).code();
            }
            err.println("sparknas-livy: " + ex.getMessage());
            if (code == ExitCodes.UNEXPECTED) {
                ex.printStackTrace(err);
            }
            return code;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.setOut(new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8));
        out = System.out;
        System.exit(run(args));
    }
}
