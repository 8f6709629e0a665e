package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.seedj.core.weights.StateDict;

/**
 * Turns one checkpoint tensor into the array the model computes with, converting its dtype on the way, so that a
 * shard is never held in memory twice: only the tensor being converted exists in both forms.
 *
 * <p>Implementations are stateless and thread-safe.
 */
@FunctionalInterface
interface WeightConversion {
    /** Float32 compute: any floating checkpoint dtype widened exactly ({@link StateDict#get}). */
    WeightConversion FLOAT32 = StateDict::get;

    /**
     * @param shard the open checkpoint file holding {@code key}
     * @param key the tensor name
     * @param manager owns the result (the model's manager)
     * @return the tensor in the compute dtype, with its stored shape
     */
    NDArray read(StateDict shard, String key, NDManager manager);

    /**
     * @param computeType the dtype the weights are to have in memory
     * @return the conversion to it
     * @throws IllegalArgumentException for a dtype without a conversion in this version
     */
    static WeightConversion to(DataType computeType) {
        if (computeType == DataType.FLOAT32) {
            return FLOAT32;
        }
        throw new IllegalArgumentException("compute dtype " + computeType + " is not available in this version: "
                + "LLaMA weights load as float32 (16-bit checkpoints are widened while loading)");
    }
}
