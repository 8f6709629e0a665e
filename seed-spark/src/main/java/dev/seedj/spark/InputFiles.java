package dev.seedj.spark;

import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.functional.FutureIO;

/**
 * Reads the tokenize job's input files. A local file ({@link LocalFiles}) is read with {@code java.nio} in one
 * call (through Hadoop's local file system the open alone takes longer than decoding a small image). A file on any
 * other file system (HDFS, S3, GCS, ...) is read through Hadoop, opened once with its status already known and a
 * whole-file read policy.
 *
 * <p>Stateless and thread-safe.
 */
final class InputFiles {
    /** Buffer of a local tar shard's stream: tar members are read in 512-byte records. */
    private static final int TAR_BUFFER_BYTES = 1 << 16;

    /** A file larger than the limit given to {@link #readAll}; the message says so. */
    static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(long length, long maxBytes) {
            super("the file has " + length + " bytes, more than an image may have (" + maxBytes + ")");
        }
    }

    private InputFiles() {}

    /**
     * @param path the file
     * @param conf reaches its file system
     * @param maxBytes the largest file read
     * @return the file's bytes
     * @throws TooLargeException if the file has more than {@code maxBytes} bytes
     * @throws IOException if the file is missing, a directory or unreadable
     */
    static byte[] readAll(Path path, Configuration conf, long maxBytes) throws IOException {
        java.nio.file.Path local = LocalFiles.of(path, conf);
        if (local != null) {
            BasicFileAttributes attributes = attributes(local, path);
            if (attributes.isDirectory()) {
                throw new IOException(path + " is a directory");
            }
            checkLength(attributes.size(), maxBytes);
            return Files.readAllBytes(local);
        }
        FileSystem fs = path.getFileSystem(conf);
        FileStatus status = fs.getFileStatus(path);
        if (status.isDirectory()) {
            throw new IOException(path + " is a directory");
        }
        checkLength(status.getLen(), maxBytes);
        try (FSDataInputStream in = FutureIO.awaitFuture(fs.openFile(path)
                .withFileStatus(status)
                .opt(Options.OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY,
                        Options.OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY_WHOLE_FILE)
                .build())) {
            return in.readAllBytes();
        }
    }

    /**
     * @param path the file
     * @param conf reaches its file system
     * @return a buffered stream of the file, to read from start to end
     * @throws IOException if the file is missing or unreadable
     */
    static InputStream open(Path path, Configuration conf) throws IOException {
        java.nio.file.Path local = LocalFiles.of(path, conf);
        if (local != null) {
            attributes(local, path); // a missing file says so by name
            return new BufferedInputStream(Files.newInputStream(local), TAR_BUFFER_BYTES);
        }
        return FutureIO.awaitFuture(path.getFileSystem(conf).openFile(path)
                .opt(Options.OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY,
                        Options.OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY_SEQUENTIAL)
                .build());
    }

    private static BasicFileAttributes attributes(java.nio.file.Path local, Path path) throws IOException {
        try {
            return Files.readAttributes(local, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new FileNotFoundException(path + " does not exist");
        }
    }

    private static void checkLength(long length, long maxBytes) throws TooLargeException {
        if (length > maxBytes) {
            throw new TooLargeException(length, maxBytes);
        }
    }
}
