package ai.sparknas.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the project's launchers as a user would, in a child process, for the *IT tests. */
final class Launch {

    /** The repository root (failsafe runs in spark-job/). */
    static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();

    private Launch() {
    }

    record Result(int exitCode, String output) {
    }

    /** Starts {@code command} in the repository root with {@code env} added (null values remove). */
    static Process start(List<String> command, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        return pb.start();
    }

    static Result waitFor(Process p, Path log, long timeoutSeconds) throws Exception {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("timed out after " + timeoutSeconds + " s; output:\n" + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }

    static Result run(List<String> command, Map<String, String> env, Path log, long timeoutSeconds) throws Exception {
        return waitFor(start(command, env, log), log, timeoutSeconds);
    }
}
