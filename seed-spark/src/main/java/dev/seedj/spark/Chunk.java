package dev.seedj.spark;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A fixed group of inputs that one Spark task tokenizes into one Parquet file: image files up to the chunk
 * size, or exactly one tar shard. Its file name carries a fingerprint of its inputs and of the model, so a
 * rerun recognises a chunk that is already done and a retried task writes the very same file.
 *
 * <p>Immutable and thread-safe.
 *
 * @param index the chunk's number in the plan, from 0
 * @param fingerprint hex digest of the model fingerprint and the inputs, in order
 * @param units the inputs, in output order
 * @serial exclude
 */
public record Chunk(int index, String fingerprint, List<WorkUnit> units) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Hex digits of the fingerprint kept in the file name. */
    private static final int NAME_DIGITS = 16;

    /**
     * @param index the chunk's number in the plan, from 0
     * @param fingerprint hex digest of the model fingerprint and the inputs
     * @param units the inputs, in output order
     */
    public Chunk {
        units = List.copyOf(units);
    }

    /**
     * Groups sorted inputs into chunks: consecutive image files, at most {@code chunkSize} per chunk; every tar
     * shard alone.
     *
     * @param sorted the inputs in their deterministic order
     * @param chunkSize image files per chunk
     * @param modelFingerprint identifies the model (and so the codes) the chunks are tokenized with
     * @return the plan
     */
    public static List<Chunk> plan(List<WorkUnit> sorted, int chunkSize, String modelFingerprint) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
        }
        List<Chunk> out = new ArrayList<>();
        List<WorkUnit> images = new ArrayList<>();
        for (WorkUnit u : sorted) {
            if (u.kind() == WorkUnit.Kind.TAR_SHARD) {
                flush(images, out, modelFingerprint);
                out.add(of(out.size(), List.of(u), modelFingerprint));
            } else {
                images.add(u);
                if (images.size() == chunkSize) {
                    flush(images, out, modelFingerprint);
                }
            }
        }
        flush(images, out, modelFingerprint);
        return out;
    }

    /** @return the Parquet file name of this chunk, {@code part-NNNNN-<fingerprint>.parquet} */
    public String fileName() {
        return String.format(Locale.ROOT, "part-%05d-%s.parquet", index, fingerprint.substring(0, NAME_DIGITS));
    }

    private static void flush(List<WorkUnit> images, List<Chunk> out, String modelFingerprint) {
        if (!images.isEmpty()) {
            out.add(of(out.size(), images, modelFingerprint));
            images.clear();
        }
    }

    private static Chunk of(int index, List<WorkUnit> units, String modelFingerprint) {
        MessageDigest sha = sha256();
        update(sha, modelFingerprint);
        for (WorkUnit u : units) {
            update(sha, u.kind().name());
            update(sha, u.source());
            update(sha, u.caption() == null ? "\u0000null" : u.caption());
            update(sha, u.stamp());
        }
        return new Chunk(index, HexFormat.of().formatHex(sha.digest()), units);
    }

    private static void update(MessageDigest sha, String field) {
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        sha.update(bytes);
        sha.update((byte) 0); // separator: ("ab", "c") and ("a", "bc") differ
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }
}
