package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.weights.StateDict;
import java.nio.file.Path;
import java.util.List;

/**
 * {@link GenerationTargets} read from checkpoint files (safetensors recommended; anything {@link StateDict#open}
 * reads), one tensor per example and head: {@code <key>.image_embeds} [F] and {@code <key>.text_features} [T, D],
 * where {@code <key>} is the example's dataset key (for a JSONL dataset: its image path as written in the JSONL,
 * e.g. {@code imgs/4.png}) or that path's file name alone ({@code 4.png}); both are accepted. Several files or a
 * directory of shards may be given; tensors are read lazily, batch by batch.
 *
 * <p>Safe for concurrent reads; {@link #close()} must not race with them.
 */
public final class FileGenerationTargets implements GenerationTargets {
    /** Suffix of the image-head targets. */
    public static final String IMAGE_SUFFIX = ".image_embeds";
    /** Suffix of the text-head targets. */
    public static final String TEXT_SUFFIX = ".text_features";

    private final StateDict tensors;

    private FileGenerationTargets(StateDict tensors) {
        this.tensors = tensors;
    }

    /**
     * @param paths safetensors (or other checkpoint) files or directories
     * @return the targets
     * @throws dev.seedj.core.weights.CheckpointException if a file cannot be read
     */
    public static FileGenerationTargets open(Path... paths) {
        return new FileGenerationTargets(StateDict.open(paths));
    }

    @Override
    public NDArray imageEmbeds(List<String> keys, NDManager manager) {
        return stack(keys, IMAGE_SUFFIX, manager);
    }

    @Override
    public NDArray textFeatures(List<String> keys, NDManager manager) {
        return stack(keys, TEXT_SUFFIX, manager);
    }

    private NDArray stack(List<String> keys, String suffix, NDManager manager) {
        NDList rows = new NDList(keys.size());
        for (String key : keys) {
            String name = targetName(key, suffix);
            NDArray row = tensors.get(name, manager);
            if (!rows.isEmpty() && !rows.get(0).getShape().equals(row.getShape())) {
                throw new IllegalArgumentException("generation target '" + name + "' has shape " + row.getShape()
                        + " but '" + keys.get(0) + suffix + "' has " + rows.get(0).getShape());
            }
            rows.add(row);
        }
        return NDArrays.stack(rows); // [B, ...]
    }

    /**
     * The target of an example: under its dataset key as written (e.g. {@code imgs/4.png}) or under its image
     * file name alone ({@code 4.png}).
     */
    private String targetName(String key, String suffix) {
        String asWritten = key + suffix;
        if (tensors.contains(asWritten)) {
            return asWritten;
        }
        String fileName = key.substring(key.lastIndexOf('/') + 1) + suffix;
        if (tensors.contains(fileName)) {
            return fileName;
        }
        throw new IllegalArgumentException("no generation target '" + asWritten + "'"
                + (fileName.equals(asWritten) ? "" : " nor '" + fileName + "'") + " in the target files");
    }

    @Override
    public void close() {
        tensors.close();
    }
}
