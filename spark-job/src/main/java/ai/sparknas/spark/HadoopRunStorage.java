package ai.sparknas.spark;

import ai.sparknas.driver.run.RunStorage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run directory on any Hadoop FileSystem ({@code run.output} may be {@code hdfs://}, {@code s3a://},
 * {@code file://} or a plain path). Atomic writes are a temp file in the same directory renamed over
 * the target (atomic on HDFS and local; on object stores the rename is a copy, still never partial).
 * Appending (metrics.jsonl) needs a file system with append: HDFS and local do, S3A does not.
 */
final class HadoopRunStorage implements RunStorage {

    private final FileSystem fs;
    private final Path dir;

    HadoopRunStorage(Path dir, Configuration conf) throws IOException {
        FileSystem any = dir.getFileSystem(conf);
        // the local file system without its .crc side files (and with a plain append)
        this.fs = any instanceof LocalFileSystem local ? local.getRawFileSystem() : any;
        this.dir = fs.makeQualified(dir);
        fs.mkdirs(this.dir);
    }

    private Path at(String relative) {
        return relative.isEmpty() ? dir : new Path(dir, relative);
    }

    @Override
    public String describe(String relative) {
        return at(relative).toString();
    }

    @Override
    public boolean exists(String relative) throws IOException {
        return fs.exists(at(relative));
    }

    @Override
    public byte[] read(String relative) throws IOException {
        try (var in = fs.open(at(relative))) {
            return in.readAllBytes();
        }
    }

    @Override
    public void writeAtomically(String relative, byte[] content) throws IOException {
        Path target = at(relative);
        Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                int half = content.length / 2;
                out.write(content, 0, half);
                out.hflush();
                RunStorage.pauseIfTesting(relative);
                out.write(content, half, content.length - half);
            }
            replace(tmp, target);
        } finally {
            fs.delete(tmp, false);
        }
    }

    /**
     * Renames {@code tmp} over {@code target}: HDFS's rename with OVERWRITE and the local file system's
     * rename(2) replace atomically; other stores (object stores) fall back to delete + rename.
     */
    private void replace(Path tmp, Path target) throws IOException {
        if (fs instanceof org.apache.hadoop.hdfs.DistributedFileSystem dfs) {
            dfs.rename(tmp, target, org.apache.hadoop.fs.Options.Rename.OVERWRITE);
            return;
        }
        if (!(fs instanceof org.apache.hadoop.fs.RawLocalFileSystem) && fs.exists(target) && !fs.delete(target, false)) {
            throw new IOException("cannot replace " + target);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    @Override
    public OutputStream append(String relative) throws IOException {
        Path target = at(relative);
        FSDataOutputStream stream;
        if (!fs.exists(target)) {
            stream = fs.create(target, false);
        } else {
            try {
                stream = fs.append(target);
            } catch (UnsupportedOperationException e) {
                throw new IOException(fs.getUri() + " cannot append to " + target + ": put run.output on a file system"
                        + " with append (HDFS, local)", e);
            }
        }
        // a flushed metrics line must survive a killed driver: on HDFS only hflush makes it visible
        return new java.io.FilterOutputStream(stream) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                stream.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                stream.hflush();
            }
        };
    }

    @Override
    public List<String> list(String relativeDir) throws IOException {
        List<String> out = new ArrayList<>();
        try {
            for (FileStatus s : fs.listStatus(at(relativeDir))) {
                out.add(s.getPath().getName());
            }
        } catch (FileNotFoundException e) {
            // no such directory yet: nothing in it
        }
        return out;
    }

    @Override
    public void delete(String relative) throws IOException {
        fs.delete(at(relative), false);
    }

    @Override
    public boolean createExclusive(String relative, byte[] content) throws IOException {
        Path target = at(relative);
        try (var out = fs.create(target, false)) { // overwrite = false: fails if it exists (atomic on HDFS)
            out.write(content);
            return true;
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (fs.exists(target)) { // file systems that report "exists" as a plain IOException
                return false;
            }
            throw e;
        }
    }
}
