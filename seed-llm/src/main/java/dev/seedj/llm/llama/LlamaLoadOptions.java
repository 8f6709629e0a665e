package dev.seedj.llm.llama;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;

/**
 * How {@link LlamaModel#load(java.nio.file.Path, LlamaLoadOptions)} loads a checkpoint: the device, the dtype the
 * weights are converted to while they are read (the compute dtype), and the memory the weights may take.
 *
 * <p>Only {@link DataType#FLOAT32} compute is available in this version: 16-bit checkpoints are widened tensor by
 * tensor while loading. The memory check ({@link MemoryFit}) already sizes any dtype, so a 16-bit compute path
 * slots in as another {@link WeightConversion}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param device where the weights live
 * @param computeType the dtype of the weights in memory
 * @param memoryLimitBytes the memory the model may use; 0 means the machine's physical memory
 */
public record LlamaLoadOptions(Device device, DataType computeType, long memoryLimitBytes) {

    /**
     * Validates the options.
     *
     * @param device where the weights live
     * @param computeType the dtype of the weights in memory
     * @param memoryLimitBytes the memory the model may use; 0 means the machine's physical memory
     */
    public LlamaLoadOptions {
        if (device == null || computeType == null) {
            throw new IllegalArgumentException("device and compute type are required");
        }
        if (memoryLimitBytes < 0) {
            throw new IllegalArgumentException("memory limit must not be negative, got " + memoryLimitBytes);
        }
    }

    /** @return the default device, float32 weights, the machine's memory as the limit */
    public static LlamaLoadOptions defaults() {
        return new LlamaLoadOptions(Engine.getInstance().defaultDevice(), DataType.FLOAT32, 0);
    }

    /**
     * @param limitBytes the memory the model may use (0: the machine's)
     * @return these options with that limit
     */
    public LlamaLoadOptions withMemoryLimit(long limitBytes) {
        return new LlamaLoadOptions(device, computeType, limitBytes);
    }

    /**
     * @param type the dtype of the weights in memory
     * @return these options with that compute dtype
     */
    public LlamaLoadOptions withComputeType(DataType type) {
        return new LlamaLoadOptions(device, type, memoryLimitBytes);
    }

    /**
     * @param target where the weights live
     * @return these options on that device
     */
    public LlamaLoadOptions withDevice(Device target) {
        return new LlamaLoadOptions(target, computeType, memoryLimitBytes);
    }
}
