package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.SeedBlock;

/**
 * Maps the decoded code sequence (the output of {@code decode_task_layer}) to the embeddings that condition
 * image generation: {@link ReverseQFormerDecoder} (v1) or {@link UnclipEmbeddingDecoder} (v2).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public abstract sealed class GenerationDecoder extends SeedBlock
        permits ReverseQFormerDecoder, UnclipEmbeddingDecoder {

    /**
     * @param decoded [B, Q, hidden]
     * @param recorder receives the decoder's stages
     * @return the generation embeddings [B, N, D]
     */
    public abstract NDArray forward(NDArray decoded, StageRecorder recorder);
}
