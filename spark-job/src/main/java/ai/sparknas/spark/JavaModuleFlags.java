package ai.sparknas.spark;

import org.apache.spark.launcher.JavaModuleOptions;

/**
 * Prints Spark's own Java 17 module flags ({@code --add-opens ...}), for launchers that start a
 * driver JVM spark-submit does not add them to (standalone cluster deploy mode, plain {@code java}).
 */
public final class JavaModuleFlags {

    private JavaModuleFlags() {
    }

    public static void main(String[] args) {
        System.out.println(JavaModuleOptions.defaultModuleOptions());
    }
}
