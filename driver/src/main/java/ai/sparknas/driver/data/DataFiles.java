package ai.sparknas.driver.data;

import java.nio.file.Path;

/**
 * Where data files are read from: the local file system here, a Hadoop {@code FileSystem} on Spark
 * executors. Paths are the configured strings ({@code data.dir} already applied).
 */
@FunctionalInterface
public interface DataFiles {

    /** A supplier of fresh streams over {@code path}, describing itself by the path. */
    InputStreamSupplier open(String path);

    /** The local file system. */
    DataFiles LOCAL = path -> InputStreamSupplier.of(Path.of(path));
}
