package dev.seedj.spark;

import java.util.List;
import java.util.Locale;

/**
 * What a run of {@link TokenizeJob} did.
 *
 * <p>Immutable and thread-safe.
 *
 * @param inputs inputs planned (image files, manifest rows and tar shards)
 * @param chunks chunks in the plan
 * @param skipped chunks an earlier run had written and this run kept
 * @param results one per chunk this run tokenized
 * @param seconds wall time of the Spark job
 */
public record TokenizeSummary(int inputs, int chunks, int skipped, List<ChunkResult> results, double seconds) {
    /**
     * @param inputs inputs planned
     * @param chunks chunks in the plan
     * @param skipped chunks kept from an earlier run
     * @param results one per chunk tokenized
     * @param seconds wall time of the Spark job
     */
    public TokenizeSummary {
        results = List.copyOf(results);
    }

    /** @return rows written by this run */
    public long rows() {
        return results.stream().mapToLong(ChunkResult::rows).sum();
    }

    /** @return error rows written by this run */
    public long errors() {
        return results.stream().mapToLong(ChunkResult::errors).sum();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "seedj tokenize: %d inputs in %d chunks (%d kept from an earlier run);"
                + " wrote %d rows (%d errors) in %.1f s", inputs, chunks, skipped, rows(), errors(), seconds);
    }
}
