package ai.sparknas.driver.fidelity;

import ai.sparknas.driver.bench.Bench;
import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.run.Checkpoint;
import ai.sparknas.driver.run.Checkpoints;
import ai.sparknas.driver.run.LocalRunStorage;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Option;

/**
 * The options of {@code fidelity} (in-process and Spark) and what they run: the study in float64,
 * from drawn (seed, α) points or from a search's newest checkpoint ({@code --from RUN_DIR}), with every
 * line also written to {@code --out} (default {@code RUN_DIR/fidelity.jsonl} with {@code --from}, where
 * {@code report} finds it).
 */
public class FidelityCommand {

    /** The file name {@code report} reads from a run directory. */
    public static final String FILE = "fidelity.jsonl";

    @Option(names = "--points", description = "(seed, α) points (default: ${DEFAULT-VALUE})")
    int points = 20;

    @Option(names = "--warm-steps", description = "weight steps at fixed α before measuring (default: 20, 0 with --from)")
    Integer warmSteps;

    @Option(names = "--alpha-scale", description = "α = scale·N(0,1) at each drawn point (default: ${DEFAULT-VALUE})")
    double alphaScale = 1.0;

    @Option(names = "--reference-damping", description = "λ of the reference (H + λI)p = v (default: ${DEFAULT-VALUE})")
    double referenceDamping = 1.0;

    @Option(names = "--reference-iterations", description = "most MINRES iterations of the reference (default: ${DEFAULT-VALUE})")
    int referenceIterations = 300;

    @Option(names = "--reference-tolerance", description = "relative residual ‖(H + λI)p − v‖/‖v‖ the reference"
            + " stops at (default: ${DEFAULT-VALUE})")
    double referenceTolerance = 1e-3;

    @Option(names = "--implicit-steps", split = ",", description = "K of the implicit variants (default: 1,2,5,10)")
    List<Integer> implicitSteps = new ArrayList<>(List.of(1, 2, 5, 10));

    @Option(names = "--power-iterations", description = "power steps for H's extreme eigenvalues, reported with the"
            + " reference (default: ${DEFAULT-VALUE}; 0 = skip)")
    int powerIterations = 15;

    @Option(names = "--from", paramLabel = "RUN_DIR", description = "start every point at this search's newest"
            + " checkpoint (its config.conf is the config; -c and overrides apply on top)")
    Path from;

    @Option(names = "--out", description = "also write every line here (default with --from: RUN_DIR/fidelity.jsonl)")
    Path out;

    /** The config of the study: {@code -c}/overrides, or the run's own config.conf under --from, in float64. */
    public SearchConfig config(Path configFile, List<String> overrides) {
        options(); // option errors before any data is read
        Path file = configFile;
        if (from != null) {
            if (configFile != null) {
                throw new ConfigException(null, "--from uses the run's own config.conf: give overrides, not -c");
            }
            file = from.resolve("config.conf");
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(null, "--from " + from + ": no config.conf there; give the run directory"
                        + " <run.output>/<run.id> of a search");
            }
        }
        List<String> o = new ArrayList<>(overrides);
        o.add("compute.precision=float64"); // the reference is a float64 solve; the estimators are compared there too
        return SearchConfig.load(file, o);
    }

    /** The study's options (checked). */
    FidelityStudy.Options options() {
        int warm = warmSteps != null ? warmSteps : from != null ? 0 : 20;
        return new FidelityStudy.Options(points, warm, alphaScale, referenceDamping, referenceIterations,
                referenceTolerance, implicitSteps, powerIterations);
    }

    /** Runs the study on {@code backend}, printing to {@code progress}. */
    public void execute(SearchConfig cfg, Bench.Backend backend, PrintStream progress) throws IOException {
        FidelityStudy.Options o = options();
        FidelityStudy.Start start = null;
        if (from != null) {
            Checkpoint c = new Checkpoints(new LocalRunStorage(from), cfg.checkpointing().keep())
                    .loadNewest(m -> progress.println("WARNING: " + m))
                    .orElseThrow(() -> new java.nio.file.NoSuchFileException(from.resolve("checkpoints").toString(), null,
                            "no checkpoint in this run directory: run the search first"));
            start = new FidelityStudy.Start(Nd4j.createFromArray(c.weights()), Nd4j.createFromArray(c.alpha()));
        }
        Path target = out != null ? out : from != null ? from.resolve(FILE) : null;
        List<String> lines = new ArrayList<>();
        FidelityStudy.Start s = start;
        FidelityStudy.run(cfg, o, backend, s == null ? null : i -> s, progress, (ObjectNode n) -> lines.add(n.toString()));
        if (target != null) {
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            progress.println("wrote " + target);
        }
    }
}
