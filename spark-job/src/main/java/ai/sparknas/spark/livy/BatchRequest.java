package ai.sparknas.spark.livy;

import ai.sparknas.driver.run.ExitCodes;
import ai.sparknas.kernels.net.Blas1;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /batches}: the jar, {@code ai.sparknas.spark.SparkMain} and the job's
 * arguments, the resources of {@code livy.*}, and the Spark settings the job needs on any cluster:
 * Java 17's module flags for the driver (spark-submit adds them to executors itself, not to a driver
 * it launches) and the kernels' Vector API module for driver and executors, Kryo with the job's
 * registrator. {@code livy.conf} entries win over these.
 */
final class BatchRequest {

    static final String MAIN_CLASS = "ai.sparknas.spark.SparkMain";
    private static final ObjectMapper JSON = new ObjectMapper();

    private BatchRequest() {
    }

    static ObjectNode of(LivySettings s, String name, List<String> jobArgs) {
        if (s.jar().isBlank()) {
            throw new LivyException(ExitCodes.CONFIG, "no application jar: set " + LivySettings.ENV_JAR + " or livy.jar to"
                    + " the jar's path as the Livy host reads it (hdfs:///.../spark-job-*-app.jar on a cluster, or a"
                    + " directory of the server's livy.file.local-dir-whitelist)");
        }
        var k = s.keys();
        ObjectNode body = JSON.createObjectNode().put("file", s.jar()).put("className", MAIN_CLASS).put("name", name);
        jobArgs.forEach(body.withArray("args")::add);
        putIfSet(body, "proxyUser", k.proxyUser());
        putIfSet(body, "driverMemory", k.driverMemory());
        putIfSet(body, "executorMemory", k.executorMemory());
        putIfSet(body, "queue", k.queue());
        if (k.driverCores() > 0) {
            body.put("driverCores", k.driverCores());
        }
        if (k.executorCores() > 0) {
            body.put("executorCores", k.executorCores());
        }
        if (k.numExecutors() > 0) {
            body.put("numExecutors", k.numExecutors());
        }
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.driver.extraJavaOptions", ai.sparknas.spark.JavaModuleFlags.driverOptions());
        conf.put("spark.executor.extraJavaOptions", Blas1.JVM_OPTION);
        conf.put("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.put("spark.kryo.registrator", "ai.sparknas.spark.SparkNasRegistrator");
        for (String kv : k.conf()) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new LivyException(ExitCodes.CONFIG, "livy.conf entry \"" + kv + "\" is not key=value (e.g."
                        + " spark.executor.memoryOverhead=4g)");
            }
            conf.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        ObjectNode c = body.putObject("conf");
        conf.forEach(c::put);
        return body;
    }

    private static void putIfSet(ObjectNode n, String field, String value) {
        if (!value.isBlank()) {
            n.put(field, value);
        }
    }
}
