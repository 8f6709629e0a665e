package dev.seedj.examples.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reference values from the oracle's v1-tiny case, which the bundled demo model is a copy of. */
final class OracleCases {
    /** Photos of the v1-tiny {@code photos} batch, in batch order. */
    static final String[] PHOTOS = {"cat_v1.jpg", "cat_main.jpg", "dog3.jpg"};

    private OracleCases() {
    }

    /** @return the reference codes of photo {@code index} of {@link #PHOTOS} */
    static int[] photoCodes(int index) {
        try {
            JsonObject root = JsonParser.parseString(Files.readString(Oracle.path("v1-tiny", "case.json")))
                    .getAsJsonObject();
            JsonArray row = root.getAsJsonObject("codes").getAsJsonArray("photos").get(index).getAsJsonArray();
            int[] codes = new int[row.size()];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = row.get(i).getAsInt();
            }
            return codes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the bundled demo tokenizer, {@code models/demo-v1-tiny} at the repository root (a copy of v1-tiny) */
    static Path demoModel() {
        return Path.of("..", "models", "demo-v1-tiny").toAbsolutePath().normalize();
    }

    /** @return the bundled demo language model, {@code models/demo-opt-tiny} (opt-tiny plus a text tokenizer) */
    static Path demoLlm() {
        return Path.of("..", "models", "demo-opt-tiny").toAbsolutePath().normalize();
    }
}
