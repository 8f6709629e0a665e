package dev.seedj.core.train;

/**
 * The training-loop state stored in a checkpoint besides parameters and optimizer moments.
 *
 * <p>Immutable and thread-safe.
 *
 * @param step optimizer steps completed
 * @param seed the run's seed (data order and per-step engine reseeding derive from it)
 * @param dataPosition where the batch stream stood after that step
 */
public record CheckpointInfo(long step, long seed, DataPosition dataPosition) {
}
