package ai.sparknas.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard against exceptions escaping as exit 1: a table of inputs that are the user's fault (sizes
 * far beyond any machine, corrupt data headers, damaged or forged files in a run directory, damaged
 * metrics given to report, NUL characters in paths, pathological HOCON) is driven through the CLI, and
 * each must end with its documented code (2 config, 3 data / run directory), a message naming the
 * input, and no stack trace. A new case belongs in this table.
 */
class CliErrorPathsTest {

    static final String FASHION = "/usr/share/datasets/fashion-mnist/";

    @TempDir
    static Path out;



    /** A tiny search's arguments with {@code more} after them. */
    private static String[] search(String id, String... more) {
        List<String> a = new ArrayList<>(List.of("search", "run.output=" + out, "run.id=" + id, "data.limit=64",
                "search.layers=3", "search.channels=4", "search.batch=8", "search.epochs=1", "search.steps-per-epoch=1"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    private record Case(String name, int code, String named, java.util.concurrent.Callable<String[]> args) {
    }

    static Path idx(String name, int magic, int... dims) throws Exception {
        Path p = out.resolve(name);
        try (DataOutputStream d = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(p)))) {
            d.writeInt(magic);
            for (int x : dims) {
                d.writeInt(x);
            }
            d.write(new byte[64]);
        }
        return p;
    }

    /** A run directory that has started (metrics written) with the given config.conf and checkpoint files. */
    static Path startedRun(String id, String config, String... checkpoints) throws Exception {
        Path run = out.resolve(id);
        Files.createDirectories(run.resolve("checkpoints"));
        Files.writeString(run.resolve("metrics.jsonl"), "{\"type\":\"step\",\"epoch\":1,\"step\":1,\"global_step\":1}\n");
        Files.writeString(run.resolve("config.conf"), config);
        for (String c : checkpoints) {
            Files.write(run.resolve("checkpoints").resolve(c), new byte[] {1, 2, 3});
        }
        return run;
    }

    /** A run directory for report with the given metrics.jsonl. */
    static Path reportRun(String id, String metrics) throws Exception {
        Path run = out.resolve(id);
        Files.createDirectories(run);
        Files.writeString(run.resolve("metrics.jsonl"), metrics);
        return run;
    }

    @TestFactory
    List<DynamicTest> everyUserErrorEndsWithItsDocumentedCodeAndNoStackTrace() {
        String deep = "sparknas { " + "a { ".repeat(20000) + "}".repeat(20000) + " }";
        List<Case> cases = List.of(
                new Case("channels far beyond the machine", 2, "sparknas.search.channels",
                        () -> search("big", "search.channels=1000000")),
                new Case("nodes far beyond the machine", 2, "sparknas.search.nodes", () -> search("big", "search.nodes=500")),
                new Case("threads far beyond the machine", 2, "sparknas.compute.threads",
                        () -> search("big", "compute.threads=100000")),
                new Case("IDX header with huge dimensions", 3, "huge-images.gz",
                        () -> search("idx1", "data.train-images=" + idx("huge-images.gz", 0x803, 2_000_000_000, 60000, 60000))),
                new Case("IDX header with negative dimensions", 3, "negative-images.gz",
                        () -> search("idx2", "data.train-images=" + idx("negative-images.gz", 0x803, -5, 28, 28))),
                new Case("IDX header with zero records", 3, "empty-images.gz",
                        () -> search("idx3", "data.train-images=" + idx("empty-images.gz", 0x803, 0, 28, 28))),
                new Case("unparsable config.conf in a started run", 3, "config.conf",
                        () -> { startedRun("badconf", "sparknas { search { layers = [[[ "); return search("badconf"); }),
                new Case("odd names and a forged checkpoint in checkpoints/", 3, "ckpt-000000005.bin",
                        () -> {
                            startedRun("forged", "", "ckpt-abc.bin", "ckpt-5.bin", "notes.txt", "ckpt-.bin",
                                    "ckpt-000000005.bin");
                            Files.writeString(out.resolve("forged/config.conf"), renderedConfig("forged"));
                            return search("forged");
                        }),
                new Case("a directory named like a checkpoint", 3, "ckpt-000000007.bin",
                        () -> {
                            startedRun("dircheckpoint", "");
                            Files.createDirectories(out.resolve("dircheckpoint/checkpoints/ckpt-000000007.bin"));
                            Files.writeString(out.resolve("dircheckpoint/config.conf"), renderedConfig("dircheckpoint"));
                            return search("dircheckpoint");
                        }),
                new Case("report of a metrics.jsonl with an incomplete line", 3, "metrics.jsonl",
                        () -> new String[] {"report", reportRun("cut", "{\"type\":\"step\",\"global_st").toString()}),
                new Case("report of a metrics.jsonl whose lines miss fields", 3, "metrics.jsonl",
                        () -> new String[] {"report", reportRun("fields", "{\"type\":\"step\"}\n{\"type\":\"epoch\","
                                + "\"alpha_normal\":[[0]],\"alpha_reduce\":[[0]],\"genotype\":\"x\"}\n").toString()}),
                new Case("NUL in run.output", 2, "sparknas.run.output", () -> search("nul", "run.output=a\u0000b")),
                new Case("NUL in a data path", 2, "sparknas.data.train-images",
                        () -> search("nul2", "data.train-images=/tmp/x\u0000y.gz")),
                new Case("NUL in the report's directory (a usage error)", 2, "RUN_DIR",
                        () -> new String[] {"report", "runs/a\u0000b"}),
                new Case("NUL in the -c path", 2, "-c", () -> new String[] {"search", "-c", "conf/a\u0000b.conf"}),
                new Case("a directory as the images file", 3, "not a regular file",
                        () -> search("dirdata", "data.train-images=" + Files.createDirectories(out.resolve("imgdir")))),
                new Case("a FIFO as the labels file (would block at open)", 3, "not a regular file",
                        () -> {
                            Path fifo = out.resolve("labels.fifo");
                            if (!Files.exists(fifo)) {
                                assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
                            }
                            return search("fifo", "data.train-labels=" + fifo);
                        }),
                new Case("an endless device as a CIFAR file", 3, "/dev/zero",
                        () -> search("devzero", "data.format=cifar10", "data.cifar-files=[\"/dev/zero\"]",
                                "data.normalize=cifar10")),
                new Case("a truncated gzip CIFAR batch", 3, "cut-batch.bin.gz",
                        () -> {
                            Path gz = out.resolve("cut-batch.bin.gz");
                            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                            try (GZIPOutputStream z = new GZIPOutputStream(bytes)) {
                                z.write(new byte[3073 * 40]);
                            }
                            byte[] all = bytes.toByteArray();
                            Files.write(gz, java.util.Arrays.copyOf(all, all.length / 2));
                            return search("cutgz", "data.format=cifar10", "data.cifar-files=[\"" + gz + "\"]",
                                    "data.normalize=cifar10");
                        }),
                new Case("pathological HOCON nesting", 2, "deep.conf",
                        () -> {
                            Path f = out.resolve("deep.conf");
                            Files.writeString(f, deep);
                            return new String[] {"search", "-c", f.toString()};
                        }));
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                CliRun.Outcome o = CliRun.of(c.args().call());
                assertEquals(c.code(), o.code(), c.name() + ": " + o.err());
                assertFalse(o.err().contains("\tat ") || o.err().contains("unexpected error"), "a stack trace: " + o.err());
                assertTrue(o.err().contains(c.named()), "the message names " + c.named() + ": " + o.err());
            }));
        }
        return tests;
    }

    /** The config.conf a tiny search writes, so that only the forged checkpoints are wrong. */
    static String renderedConfig(String id) {
        String[] a = search(id);
        return ai.sparknas.driver.config.SearchConfig.load(null, List.of(a).subList(1, a.length))
                .render() + "\n";
    }
}
