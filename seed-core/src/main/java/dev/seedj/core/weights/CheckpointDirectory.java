package dev.seedj.core.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Opens a model directory, looking in this order for: {@code model.safetensors.index.json} (shards),
 * {@code model.safetensors}, {@code pytorch_model.bin.index.json} (shards), {@code pytorch_model.bin},
 * {@code adapter_model.safetensors}, {@code adapter_model.bin}, and finally a single {@code *.safetensors}
 * file. A sharded checkpoint is checked against its index: every key the index lists must be in its shard.
 *
 * <p>Stateless; thread-safe.
 */
final class CheckpointDirectory {
    private static final List<String> CANDIDATES = List.of(
            "model.safetensors.index.json", "model.safetensors",
            "pytorch_model.bin.index.json", "pytorch_model.bin",
            "adapter_model.safetensors", "adapter_model.bin");

    private CheckpointDirectory() {
    }

    /**
     * @param directory a model directory
     * @return its tensors
     * @throws CheckpointException if no checkpoint is found, or one is unreadable
     */
    static StateDict open(Path directory) {
        for (String candidate : CANDIDATES) {
            Path file = directory.resolve(candidate);
            if (Files.isRegularFile(file)) {
                return candidate.endsWith(".index.json")
                        ? openSharded(ShardIndex.read(file))
                        : StateDicts.openFile(file);
            }
        }
        List<Path> safetensors;
        try (Stream<Path> files = Files.list(directory)) {
            safetensors = files
                    .filter(f -> f.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(f))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new CheckpointException(directory + ": cannot list the directory: " + e, e);
        }
        if (safetensors.size() == 1) {
            return StateDicts.openFile(safetensors.get(0));
        }
        throw new CheckpointException(directory + ": no checkpoint found: looked for " + CANDIDATES
                + (safetensors.isEmpty() ? " and any *.safetensors" : " and found several *.safetensors files "
                + safetensors.stream().map(Path::getFileName).toList() + "; name the file instead"));
    }

    private static StateDict openSharded(ShardIndex index) {
        List<StateDict> shards = new ArrayList<>();
        try {
            for (Path shard : index.shards()) {
                if (!Files.isRegularFile(shard)) {
                    throw new CheckpointException(index.indexFile() + ": shard " + shard.getFileName() + " is missing");
                }
                shards.add(StateDicts.openFile(shard));
            }
            List<Path> order = List.copyOf(index.shards());
            for (Map.Entry<String, Path> entry : index.shardOfKey().entrySet()) {
                if (!shards.get(order.indexOf(entry.getValue())).contains(entry.getKey())) {
                    throw new CheckpointException(index.indexFile() + ": tensor '" + entry.getKey()
                            + "' is listed in shard " + entry.getValue().getFileName() + " but that shard lacks it");
                }
            }
            return new MergedStateDict(shards);
        } catch (RuntimeException e) {
            try {
                MergedStateDict.closeAll(shards);
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }
}
