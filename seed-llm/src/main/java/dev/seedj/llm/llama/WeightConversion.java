package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.StateDict;
import dev.seedj.llm.LlmDtype;

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
     * bfloat16 compute: bfloat16 tensors are used as stored, float16 and float32 ones are rounded to bfloat16 in
     * libtorch ({@link StateDict#get(String, NDManager, ComputeType)}).
     */
    WeightConversion BFLOAT16 = (shard, key, manager) -> shard.get(key, manager, ComputeType.BFLOAT16);

    /**
     * @param shard the open checkpoint file holding {@code key}
     * @param key the tensor name
     * @param manager owns the result (the model's manager)
     * @return the tensor in the compute dtype, with its stored shape
     */
    NDArray read(StateDict shard, String key, NDManager manager);

    /**
     * @param dtype how the weights are to be kept in memory
     * @return the conversion to its compute type (int8 weights are read as float32 and quantised by the model's
     *     int8 layers right after each is read)
     */
    static WeightConversion to(LlmDtype dtype) {
        return dtype.computeType() == ComputeType.BFLOAT16 ? BFLOAT16 : FLOAT32;
    }
}
