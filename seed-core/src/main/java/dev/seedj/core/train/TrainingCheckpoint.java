package dev.seedj.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A resumable training checkpoint in one safetensors file: every trainable parameter under its own state-dict
 * name (so {@code StateDict.open(startWeights, checkpoint)} reads as the trained model, the other entries being
 * reported as unused), AdamW's state under {@value #OPTIMIZER_PREFIX}, and the loop's step, seed and data
 * position as int64 scalars under {@code trainer.*}. Frozen parameters are not stored: they come from the
 * starting weights. Files are named {@code step-00001000.safetensors} and written atomically.
 *
 * <p>Stateless and thread-safe; nothing may train the parameters while they are saved or loaded.
 */
public final class TrainingCheckpoint {
    /** Prefix of the optimizer-state entries. */
    public static final String OPTIMIZER_PREFIX = "optimizer.";
    private static final String STEP = "trainer.step";
    private static final String SEED = "trainer.seed";
    private static final String EPOCH = "trainer.data_epoch";
    private static final String OFFSET = "trainer.data_offset";
    private static final Pattern FILE_NAME = Pattern.compile("step-(\\d+)\\.safetensors");

    private TrainingCheckpoint() {}

    /**
     * @param dir a checkpoint folder
     * @param step optimizer steps completed
     * @return {@code dir/step-<8-digit step>.safetensors}
     */
    public static Path fileFor(Path dir, long step) {
        return dir.resolve(String.format("step-%08d.safetensors", step));
    }

    /**
     * @param dir a checkpoint folder (may not exist)
     * @return the checkpoint with the highest step in it, if any
     */
    public static Optional<Path> latest(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> FILE_NAME.matcher(p.getFileName().toString()).matches())
                    .max((a, b) -> Long.compare(stepOf(a), stepOf(b)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir, e);
        }
    }

    /**
     * Writes a checkpoint.
     *
     * @param file the target file (parent folders are created)
     * @param info step, seed and data position
     * @param parameters the trainable parameters
     * @param optimizer their optimizer
     * @throws CheckpointException if it cannot be written
     */
    public static void save(Path file, CheckpointInfo info, List<TrainableParameter> parameters, AdamW optimizer) {
        NDManager owner = parameters.get(0).parameter().getArray().getManager();
        try (NDManager scope = owner.newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (TrainableParameter tp : parameters) {
                tensors.put(tp.name(), tp.parameter().getArray());
            }
            tensors.putAll(optimizer.stateTensors(OPTIMIZER_PREFIX, scope));
            tensors.put(STEP, scope.create(info.step()));
            tensors.put(SEED, scope.create(info.seed()));
            tensors.put(EPOCH, scope.create(info.dataPosition().epoch()));
            tensors.put(OFFSET, scope.create(info.dataPosition().offset()));
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            new SafetensorsWriter().withMetadata(Map.of("format", "seedj-training-checkpoint",
                    "step", Long.toString(info.step()))).write(file, tensors);
        } catch (IOException e) {
            throw new CheckpointException("cannot create the folder of checkpoint " + file + ": " + e, e);
        }
    }

    /**
     * Restores parameters (copied into their existing arrays) and optimizer state from a checkpoint.
     *
     * @param file a file written by {@link #save}
     * @param parameters the trainable parameters, as when it was saved
     * @param optimizer their optimizer; its whole state is replaced
     * @return the loop state stored with it
     * @throws CheckpointException if the file is unreadable, is not a training checkpoint, or does not fit the
     *     parameters (a missing parameter, a shape mismatch, optimizer state of an untrained parameter)
     */
    public static CheckpointInfo load(Path file, List<TrainableParameter> parameters, AdamW optimizer) {
        try (StateDict dict = StateDict.open(file)) {
            for (String key : List.of(STEP, SEED, EPOCH, OFFSET)) {
                if (!dict.contains(key)) {
                    throw new CheckpointException(file + " is not a training checkpoint (no '" + key + "' entry)");
                }
            }
            for (TrainableParameter tp : parameters) {
                if (!dict.contains(tp.name())) {
                    throw new CheckpointException(file + " lacks trainable parameter '" + tp.name() + "'");
                }
                long[] stored = dict.info(tp.name()).shape();
                NDArray target = tp.parameter().getArray();
                if (!Arrays.equals(stored, target.getShape().getShape())) {
                    throw new CheckpointException(file + ": parameter '" + tp.name() + "' has shape "
                            + Arrays.toString(stored) + " but the model has " + target.getShape());
                }
            }
            NDManager owner = parameters.get(0).parameter().getArray().getManager();
            try (NDManager scope = owner.newSubManager()) {
                Gradients.withoutGrad(() -> {
                    for (TrainableParameter tp : parameters) {
                        dict.get(tp.name(), scope).copyTo(tp.parameter().getArray());
                    }
                    return null;
                });
                optimizer.loadState(dict, OPTIMIZER_PREFIX);
                return new CheckpointInfo(scalar(dict, STEP, scope), scalar(dict, SEED, scope),
                        new DataPosition(scalar(dict, EPOCH, scope), scalar(dict, OFFSET, scope)));
            }
        }
    }

    private static long scalar(StateDict dict, String key, NDManager scope) {
        NDArray a = dict.get(key, scope);
        if (a.getDataType().isFloating() || a.size() != 1) {
            throw new CheckpointException("checkpoint entry '" + key + "' must be one integer, found "
                    + dict.info(key));
        }
        return a.toLongArray()[0];
    }

    private static long stepOf(Path p) {
        Matcher m = FILE_NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
