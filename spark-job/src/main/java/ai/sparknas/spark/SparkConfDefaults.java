package ai.sparknas.spark;

import ai.sparknas.kernels.net.Blas1;
import org.apache.spark.SparkConf;

/** The Spark settings the job relies on, applied unless the user set them (spark-submit --conf wins). */
final class SparkConfDefaults {

    private SparkConfDefaults() {
    }

    static SparkConf apply(SparkConf conf) {
        conf.setIfMissing("spark.master", "local[*]");
        conf.setIfMissing("spark.app.name", "sparknas search");
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", SparkNasRegistrator.class.getName());
        conf.setIfMissing("spark.kryo.registrationRequired", "true");
        // a 2M-weight network's gradient sums are 16 MB per partition
        conf.setIfMissing("spark.kryoserializer.buffer.max", "512m");
        conf.setIfMissing("spark.driver.maxResultSize", "2g");
        // partition sums up to the RPC message size travel with the task status instead of through the
        // block manager (one round trip less per round; 1 MB by default, one 131k-weight gradient)
        conf.setIfMissing("spark.task.maxDirectResultSize", "128m");
        // a barrier round (first-order's fused step) that finds fewer task slots than partitions, an executor
        // lost after Rounds#barrierFits looked, fails after about a second instead of 40 checks 15 s apart;
        // SparkOracle then runs the step as two rounds
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "1");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        // executors the cluster manager launches get the kernels' Vector API (a few times faster;
        // without it they still compute the same bits): appended to whatever options are set
        String executorOptions = conf.get("spark.executor.extraJavaOptions", "");
        if (!executorOptions.contains(Blas1.JVM_OPTION)) {
            conf.set("spark.executor.extraJavaOptions", (executorOptions + " " + Blas1.JVM_OPTION).strip());
        }
        return conf;
    }
}
