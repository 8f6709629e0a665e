package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * The frozen teachers' outputs that stage 2's generation heads regress to, supplied by the user (SEED-J does not run
 * the teachers): for the image head the unCLIP image embedding of each image ({@code CLIPVisionModelWithProjection
 * .image_embeds}, 1024-d for SD-unCLIP), for the text head the Stable Diffusion text-encoder features of each caption
 * ({@code FrozenCLIPEmbedder}, [77, 768] for SD 1.x). Examples are identified by their dataset key.
 *
 * <p>Implementations must be safe for calls from the training thread; they need not be thread-safe otherwise.
 */
public interface GenerationTargets extends AutoCloseable {

    /**
     * @param keys the batch's example keys
     * @param manager owns the result
     * @return [B, F] float32 image embeddings, row i for {@code keys.get(i)}
     * @throws IllegalArgumentException if a key has no image target
     */
    NDArray imageEmbeds(List<String> keys, NDManager manager);

    /**
     * @param keys the batch's example keys
     * @param manager owns the result
     * @return [B, T, D] float32 text features, entry i for {@code keys.get(i)}
     * @throws IllegalArgumentException if a key has no text target
     */
    NDArray textFeatures(List<String> keys, NDManager manager);

    /** Releases open files. */
    @Override
    default void close() {}
}
