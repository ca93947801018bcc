package ai.sparknas.spark;

import ai.sparknas.driver.data.DataFiles;
import ai.sparknas.driver.data.InputStreamSupplier;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Data files through the Hadoop FileSystem API: {@code file://}, {@code hdfs://}, {@code s3a://} and
 * scheme-less paths (the default file system). Executors build it from the {@code spark.hadoop.*}
 * settings they were given, so each reads its own record ranges wherever the data lives.
 */
final class HadoopDataFiles implements DataFiles {

    private final Configuration conf;

    HadoopDataFiles(Configuration conf) {
        this.conf = conf;
    }

    /** A configuration with the {@code spark.hadoop.*} entries of a Spark conf, as Spark builds its own. */
    static HadoopDataFiles fromSparkSettings(Map<String, String> sparkHadoopSettings) {
        Configuration c = new Configuration();
        sparkHadoopSettings.forEach(c::set);
        return new HadoopDataFiles(c);
    }

    @Override
    public InputStreamSupplier open(String path) {
        return InputStreamSupplier.named(path, () -> {
            Path p = new Path(path); // Hadoop's own parsing, as sc.textFile: plain paths and URIs, unencoded
            FileSystem fs = p.getFileSystem(conf);
            try {
                if (fs.exists(p) && !fs.getFileStatus(p).isFile()) { // a directory; a local FIFO or device too
                    throw new ai.sparknas.driver.data.CorruptDataException(path + ": not a regular file: give the"
                            + " path of a data file");
                }
                if ("file".equals(fs.getUri().getScheme()) && !java.nio.file.Files.isRegularFile(
                        java.nio.file.Path.of(fs.makeQualified(p).toUri())) && fs.exists(p)) {
                    throw new ai.sparknas.driver.data.CorruptDataException(path + ": not a regular file (a device,"
                            + " FIFO or socket, which would block or never end): give the path of a data file");
                }
                return fs.open(p);
            } catch (FileNotFoundException e) {
                if (fs.exists(p)) { // e.g. "(Permission denied)" from the local file system
                    throw new java.nio.file.AccessDeniedException(path, null, "cannot read the data file on " + host()
                            + " (" + e.getMessage() + "); every executor must be able to read the data");
                }
                throw new java.nio.file.NoSuchFileException(path, null, "data file does not exist on "
                        + fs.getUri() + " (as seen from " + host() + "); check the data paths in the configuration"
                        + " and that every executor can read them (a local path must exist on every node)");
            }
        });
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }
}
