package dev.seedj.llm.llama;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.seedj.llm.LlmDtype;

/**
 * How {@link LlamaModel#load(java.nio.file.Path, LlamaLoadOptions)} loads a checkpoint: the device, how the weights
 * are kept in memory ({@link LlmDtype}: float32, bfloat16, or weight-only int8), and the memory the weights may take.
 *
 * <p>Weights are converted tensor by tensor while their shard is read: a float16 checkpoint loaded in bfloat16
 * never exists in float32 as a whole, and int8 layers are quantised as soon as their weight is read.
 *
 * <p>Immutable and thread-safe.
 *
 * @param device where the weights live
 * @param dtype how the weights are kept in memory
 * @param memoryLimitBytes the memory the model may use; 0 means the machine's physical memory
 */
public record LlamaLoadOptions(Device device, LlmDtype dtype, long memoryLimitBytes) {

    /**
     * Validates the options.
     *
     * @param device where the weights live
     * @param dtype how the weights are kept in memory
     * @param memoryLimitBytes the memory the model may use; 0 means the machine's physical memory
     */
    public LlamaLoadOptions {
        if (device == null || dtype == null) {
            throw new IllegalArgumentException("device and dtype are required");
        }
        if (memoryLimitBytes < 0) {
            throw new IllegalArgumentException("memory limit must not be negative, got " + memoryLimitBytes);
        }
    }

    /** @return the default device, float32 weights, the machine's memory as the limit */
    public static LlamaLoadOptions defaults() {
        return new LlamaLoadOptions(Engine.getInstance().defaultDevice(), LlmDtype.FLOAT32, 0);
    }

    /**
     * @param limitBytes the memory the model may use (0: the machine's)
     * @return these options with that limit
     */
    public LlamaLoadOptions withMemoryLimit(long limitBytes) {
        return new LlamaLoadOptions(device, dtype, limitBytes);
    }

    /**
     * @param type how the weights are kept in memory
     * @return these options with that dtype
     */
    public LlamaLoadOptions withDtype(LlmDtype type) {
        return new LlamaLoadOptions(device, type, memoryLimitBytes);
    }

    /**
     * @param target where the weights live
     * @return these options on that device
     */
    public LlamaLoadOptions withDevice(Device target) {
        return new LlamaLoadOptions(target, dtype, memoryLimitBytes);
    }
}
