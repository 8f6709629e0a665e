package dev.seedj.spark;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Recognises files on the local disk, which the tokenize job reads and writes with {@code java.nio} rather than
 * through Hadoop's local file system: that one stats a file about a dozen times to open it and reads it through a
 * checksum stream that looks for a {@code .crc} side file (a thrown {@code FileNotFoundException} when there is
 * none), together longer than decoding a small image; and without Hadoop's native library it forks a {@code chmod}
 * process for every file it creates (twice: the file and its {@code .crc}). A file is local when its URI's scheme
 * is {@code file}, or when it has no scheme and the default file system is local.
 *
 * <p>Stateless and thread-safe.
 */
final class LocalFiles {
    private LocalFiles() {}

    /**
     * @param path a Hadoop path
     * @param conf the Hadoop configuration (its default file system resolves a path without a scheme)
     * @return the local file of {@code path}, or null when it is on another file system
     * @throws IOException if the default file system cannot be reached
     */
    static java.nio.file.Path of(Path path, Configuration conf) throws IOException {
        Path qualified = path;
        String scheme = path.toUri().getScheme();
        if (scheme == null) { // relative to the default file system
            FileSystem fs = path.getFileSystem(conf);
            scheme = fs.getScheme();
            qualified = fs.makeQualified(path);
        }
        // as Hadoop's local file system does: the URI's path, whatever its authority
        return scheme.equals("file") ? java.nio.file.Path.of(qualified.toUri().getPath()) : null;
    }
}
