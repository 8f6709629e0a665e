package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Implements {@link StateDict#open}: opens each path (file or directory) by its detected format and merges
 * them, later paths overriding earlier ones.
 *
 * <p>Stateless; thread-safe.
 */
final class StateDicts {
    private StateDicts() {
    }

    /**
     * @param paths files or directories, in increasing priority
     * @return one state dict over all of them
     * @throws CheckpointException if a path is missing, unreadable, corrupt or unsafe
     */
    static StateDict open(Path... paths) {
        if (paths == null || paths.length == 0) {
            throw new IllegalArgumentException("no checkpoint paths given");
        }
        List<StateDict> opened = new ArrayList<>();
        try {
            for (Path path : paths) {
                opened.add(openPath(path));
            }
        } catch (RuntimeException e) {
            try {
                MergedStateDict.closeAll(opened);
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return opened.size() == 1 ? opened.get(0) : new MergedStateDict(opened);
    }

    /**
     * @param array a tensor as {@link StateDict#get(String, NDManager)} returns it (float32 if floating)
     * @param info its stored dtype and shape
     * @param type the compute type
     * @return {@code array} itself, or a bfloat16 copy of it (then {@code array} is closed)
     */
    static NDArray toComputeType(NDArray array, TensorInfo info, ComputeType type) {
        if (type == ComputeType.FLOAT32 || !info.dtype().isFloating()) {
            return array;
        }
        NDArray converted = LibtorchOps.toBfloat16(array);
        array.close();
        return converted;
    }

    /**
     * @param file a regular file of any supported format
     * @return its tensors
     */
    static StateDict openFile(Path file) {
        return CheckpointFormat.detect(file).open(file);
    }

    private static StateDict openPath(Path path) {
        if (Files.isDirectory(path)) {
            return CheckpointDirectory.open(path);
        }
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException(path + ": no such checkpoint file or directory");
        }
        return openFile(path);
    }
}
