package dev.seedj.spark;

import java.io.Serializable;

/**
 * What one task reports to the driver about the chunk it tokenized.
 *
 * <p>Immutable and thread-safe.
 *
 * @param chunk the chunk's index
 * @param file the Parquet file written
 * @param rows rows written (one per input)
 * @param errors rows with status {@code error}
 * @param executorPid the process id of the executor JVM that did the work
 * @param modelLoads how many tokenizers that JVM had loaded when the task ended
 * @param seconds wall time of the task
 * @serial exclude
 */
public record ChunkResult(int chunk, String file, long rows, long errors, long executorPid, int modelLoads,
        double seconds) implements Serializable {
    private static final long serialVersionUID = 1L;
}
