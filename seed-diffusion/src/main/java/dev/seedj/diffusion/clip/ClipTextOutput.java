package dev.seedj.diffusion.clip;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Every output of one {@link ClipTextModel#encode(NDArray, ai.djl.ndarray.NDManager)} call, as Hugging Face's
 * {@code CLIPTextModel(output_hidden_states=True)} returns them, plus SD 2's penultimate layer.
 *
 * <p>Immutable; thread-safe as long as the arrays are only read.
 *
 * @param hiddenStates L + 1 arrays [B, T, D]: the embeddings, then each layer's output (before the final LayerNorm)
 * @param lastHiddenState {@code final_layer_norm(hidden_states[L])} [B, T, D] (SD v1's context)
 * @param penultimate {@code final_layer_norm(hidden_states[L - 1])} [B, T, D] (SD 2's context)
 * @param pooledOutput {@code last_hidden_state[b, eosIndex[b]]} [B, D]
 * @param eosIndex per row, the first position of the largest id (transformers 4.30's rule: EOS has the top id)
 */
public record ClipTextOutput(List<NDArray> hiddenStates, NDArray lastHiddenState, NDArray penultimate,
        NDArray pooledOutput, long[] eosIndex) {
}
