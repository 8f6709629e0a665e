package dev.seedj.llm.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading the optional JSON side files of a tokenizer directory. Stateless; thread-safe. */
final class TokenizerFiles {
    private TokenizerFiles() {
    }

    /**
     * @param file e.g. {@code special_tokens_map.json}, {@code tokenizer_config.json}
     * @return its top-level object, or null if there is no such file
     * @throws IllegalArgumentException if it is not valid JSON or not an object
     * @throws UncheckedIOException if it cannot be read
     */
    static JsonObject readObject(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException(file + " is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
