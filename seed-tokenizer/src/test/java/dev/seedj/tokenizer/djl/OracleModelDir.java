package dev.seedj.tokenizer.djl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import dev.seedj.tokenizer.TokenizerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A model directory for the oracle's v1-tiny tokenizer, written into a test's temporary folder. */
final class OracleModelDir {
    private OracleModelDir() {
    }

    /**
     * @param dir an empty directory
     * @return {@code dir}, now holding a {@code seed-tokenizer.json} that points at the oracle's weights
     */
    static Path v1Tiny(Path dir) throws IOException {
        JsonObject config;
        try (InputStream in = OracleModelDir.class.getResourceAsStream("/dev/seedj/tokenizer/v1-tiny.json")) {
            config = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        JsonObject weights = new JsonObject();
        weights.addProperty("file", Oracle.path("v1-tiny", "weights.safetensors").toAbsolutePath().toString());
        JsonArray list = new JsonArray();
        list.add(weights);
        config.add("weights", list);
        Files.writeString(dir.resolve(TokenizerConfig.FILE_NAME), config.toString());
        return dir;
    }
}
