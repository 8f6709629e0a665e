package dev.seedj.spark;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under the scheme {@value #SCHEME}: to the jobs it looks like a remote file system (HDFS, S3),
 * so a model given as {@code seedjtest:///path} is copied to each executor's local disk before loading.
 */
public class RemoteLikeFileSystem extends RawLocalFileSystem {
    /** The scheme; register with {@code spark.hadoop.fs.seedjtest.impl}. */
    public static final String SCHEME = "seedjtest";

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }
}
