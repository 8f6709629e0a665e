package dev.seedj.llm.generation;

/**
 * Receives each token as soon as it is generated (streaming). Called on the generating thread, in step order;
 * rows that have finished receive nothing more.
 *
 * <p>Implementations need not be thread-safe unless they are shared between concurrent generations.
 */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param row the batch row
     * @param tokenId the new token
     */
    void onToken(int row, int tokenId);
}
