package ai.sparknas.spark;

import ai.sparknas.kernels.net.Blas1;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * Prints the JVM flags a driver needs: Spark's own Java 17 module flags ({@code --add-opens ...}),
 * which spark-submit does not add to a driver it launches on the cluster or to plain {@code java},
 * and the kernels' Vector API module ({@link Blas1#JVM_OPTION}; in local mode the driver runs them).
 */
public final class JavaModuleFlags {

    private JavaModuleFlags() {
    }

    /** The flags, as one {@code spark.driver.extraJavaOptions} value. */
    public static String driverOptions() {
        return JavaModuleOptions.defaultModuleOptions() + " " + Blas1.JVM_OPTION;
    }

    public static void main(String[] args) {
        System.out.println(driverOptions());
    }
}
