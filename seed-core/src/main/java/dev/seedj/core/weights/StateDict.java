package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A read-only map from tensor name to tensor, backed by one or more checkpoint files.
 *
 * <p>{@link #open(Path...)} detects each file's format from its bytes: safetensors (memory-mapped, lazy),
 * PyTorch zip checkpoints written by {@code torch.save} ({@code .pth/.pt/.bin}, any top folder name), the
 * legacy non-zip {@code torch.save} format, and directories holding {@code model.safetensors.index.json} or
 * {@code pytorch_model.bin.index.json} shards (or a single {@code model.safetensors} /
 * {@code pytorch_model.bin}). Containers {@code {"model": sd}} and {@code {"state_dict": sd}} are unwrapped.
 * Pickles are read against an allow-list of globals; nothing from a file is ever executed.
 *
 * <p>Implementations are safe for concurrent reads from several threads; {@link #close()} must not race
 * with reads.
 */
public interface StateDict extends AutoCloseable {

    /**
     * Opens checkpoint files or directories as one map; a key in a later path overrides the same key
     * in an earlier one.
     *
     * @param paths files or directories
     * @return the combined state dict
     * @throws CheckpointException if a file is missing, unreadable, corrupt or unsafe
     */
    static StateDict open(Path... paths) {
        return StateDicts.open(paths);
    }

    /** @return all tensor names, in file order */
    Set<String> keys();

    /**
     * @param key tensor name
     * @return true if the key is present
     */
    default boolean contains(String key) {
        return keys().contains(key);
    }

    /**
     * @param key tensor name
     * @return the stored dtype and shape
     * @throws CheckpointException if the key is absent
     */
    TensorInfo info(String key);

    /**
     * Reads one tensor. Floating tensors come back as float32 whatever they were stored as (float16,
     * bfloat16 and float64 are converted in Java, exactly); integer tensors as int64; bool as boolean.
     *
     * @param key tensor name
     * @param manager owns the returned array
     * @return the tensor, with its stored shape
     * @throws CheckpointException if the key is absent or its data is inconsistent
     */
    NDArray get(String key, NDManager manager);

    /**
     * Reads one tensor for a model computing in {@code type}: as {@link #get(String, NDManager)} for float32 and for
     * non-floating tensors; floating tensors become bfloat16 for {@link ComputeType#BFLOAT16}, created directly from
     * the stored bytes when they are bfloat16 already (zero-copy where the file allows it) and converted inside
     * libtorch otherwise ({@link LibtorchOps}: DJL's {@code toType(BFLOAT16)} aborts the JVM); float16 tensors are
     * converted from their stored 16 bits, never widened to a float32 copy.
     *
     * @param key tensor name
     * @param manager owns the returned array
     * @param type the compute type
     * @return the tensor, with its stored shape
     * @throws CheckpointException if the key is absent or its data is inconsistent
     */
    default NDArray get(String key, NDManager manager, ComputeType type) {
        return StateDicts.toComputeType(get(key, manager), info(key), type);
    }

    /**
     * Reads a floating tensor as a flat float array (row-major), converting as {@link #get} does.
     *
     * @param key tensor name
     * @return the elements
     * @throws CheckpointException if the key is absent, not floating, or its data is inconsistent
     */
    float[] getFloats(String key);

    /**
     * A view whose keys are this map's keys with {@code prefix} put in front
     * (e.g. LAVIS's {@code eva_vit_g.pth} viewed with {@code "visual_encoder."}).
     *
     * @param prefix text to prepend to every key
     * @return the view; closing it closes nothing
     */
    StateDict withPrefix(String prefix);

    /**
     * A view of only the keys that start with {@code prefix}, with the prefix removed.
     *
     * @param prefix text every kept key starts with
     * @return the view; closing it closes nothing
     */
    StateDict stripPrefix(String prefix);

    /**
     * A view of only the keys {@code keep} accepts, under their own names and in this state dict's order (for
     * example to simulate an incomplete checkpoint).
     *
     * @param keep accepts the keys to keep
     * @return the view; closing it closes nothing
     */
    default StateDict filter(Predicate<String> keep) {
        return KeyMappedStateDict.filter(this, keep);
    }

    /** Releases mapped files and open handles. */
    @Override
    void close();
}
