package dev.seedj.spark;

import java.io.Serializable;
import java.util.Objects;

/**
 * One input of the tokenize job as planned on the driver: an image file (from a directory listing or a manifest
 * row, with the manifest's caption) or a webdataset tar shard (which yields one row per sample key).
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind what the source is
 * @param source the file's Hadoop URI
 * @param caption the manifest's caption, or null
 * @param stamp the file's length and modification time when the listing knows them (a changed file changes the
 *     chunk fingerprint, so a resumed run redoes its chunk), else empty
 * @serial exclude
 */
public record WorkUnit(Kind kind, String source, String caption, String stamp)
        implements Serializable, Comparable<WorkUnit> {
    private static final long serialVersionUID = 1L;

    /** The kinds of input. Enum constants are immutable and thread-safe. */
    public enum Kind {
        /** One image file: one output row. */
        IMAGE_FILE,
        /** One webdataset tar shard: one output row per sample key. */
        TAR_SHARD
    }

    /**
     * @param kind what the source is
     * @param source the file's Hadoop URI
     * @param caption the manifest's caption, or null
     * @param stamp the file's length and modification time, or empty
     */
    public WorkUnit {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(stamp, "stamp");
    }

    /** Orders by source, then kind, caption and stamp: the job's deterministic input order. */
    @Override
    public int compareTo(WorkUnit o) {
        int c = source.compareTo(o.source);
        if (c == 0) {
            c = kind.compareTo(o.kind);
        }
        if (c == 0) {
            c = Objects.compare(caption, o.caption, (a, b) -> a == null ? (b == null ? 0 : -1)
                    : b == null ? 1 : a.compareTo(b));
        }
        return c != 0 ? c : stamp.compareTo(o.stamp);
    }
}
