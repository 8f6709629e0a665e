package dev.seedj.core.weights;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face shard index ({@code model.safetensors.index.json}, {@code pytorch_model.bin.index.json}):
 * {@code {"metadata": {...}, "weight_map": {"tensor name": "shard file name", ...}}}. Shard names are
 * resolved inside the index's directory and may not escape it.
 *
 * <p>Immutable; thread-safe.
 */
final class ShardIndex {
    private static final long MAX_INDEX_BYTES = 100_000_000L;

    private final Path indexFile;
    private final Map<String, Path> shardOfKey;

    private ShardIndex(Path indexFile, Map<String, Path> shardOfKey) {
        this.indexFile = indexFile;
        this.shardOfKey = Collections.unmodifiableMap(shardOfKey);
    }

    /** @return the index file */
    Path indexFile() {
        return indexFile;
    }

    /** @return tensor name -> shard file */
    Map<String, Path> shardOfKey() {
        return shardOfKey;
    }

    /** @return the shard files, in order of first mention */
    Set<Path> shards() {
        return new LinkedHashSet<>(shardOfKey.values());
    }

    /**
     * @param indexFile the index JSON
     * @return the parsed index
     * @throws CheckpointException if it is unreadable, malformed or names files outside its directory
     */
    static ShardIndex read(Path indexFile) {
        JsonElement root;
        try {
            if (Files.size(indexFile) > MAX_INDEX_BYTES) {
                throw new CheckpointException(indexFile + ": shard index larger than " + MAX_INDEX_BYTES + " bytes");
            }
            try (Reader reader = Files.newBufferedReader(indexFile, StandardCharsets.UTF_8)) {
                JsonReader json = new JsonReader(reader);
                json.setStrictness(Strictness.STRICT);
                root = JsonParser.parseReader(json);
            }
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new CheckpointException(indexFile + ": unreadable shard index: " + e.getMessage(), e);
        }
        JsonElement weightMap = root.isJsonObject() ? root.getAsJsonObject().get("weight_map") : null;
        if (weightMap == null || !weightMap.isJsonObject()) {
            throw new CheckpointException(indexFile + ": shard index has no \"weight_map\" object");
        }
        Path directory = indexFile.toAbsolutePath().normalize().getParent();
        Map<String, Path> shardOfKey = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : weightMap.getAsJsonObject().entrySet()) {
            JsonElement shard = entry.getValue();
            if (!shard.isJsonPrimitive() || !shard.getAsJsonPrimitive().isString()) {
                throw new CheckpointException(indexFile + ": weight_map entry for '" + entry.getKey()
                        + "' is not a file name");
            }
            Path resolved = directory.resolve(shard.getAsString()).normalize();
            if (!directory.equals(resolved.getParent())) {
                throw new CheckpointException(indexFile + ": shard '" + shard.getAsString() + "' for '"
                        + entry.getKey() + "' is not a file in the index's directory");
            }
            shardOfKey.put(entry.getKey(), resolved);
        }
        return new ShardIndex(indexFile, shardOfKey);
    }
}
