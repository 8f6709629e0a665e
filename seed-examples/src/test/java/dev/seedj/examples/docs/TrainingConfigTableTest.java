package dev.seedj.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/training.md's training-config reference table lists exactly the keys {@link TrainingConfig} reads, with
 * their real defaults; the keys it calls required are refused when absent.
 */
class TrainingConfigTableTest {
    private static final Path DOC = Path.of("..").toAbsolutePath().normalize().resolve("docs/training.md");
    private static final Pattern ROW = Pattern.compile("\\| `([a-z_]+)` \\| [^|]+ \\| ([^|]+) \\| [^|]+ \\|");

    @Test
    void theTableMatchesTheConfig() throws IOException {
        Map<String, String> defaults = table();
        JsonObject actual = JsonParser.parseString(
                TrainingConfig.builder(1e-3, 10, 2, Path.of("runs/x")).build().toJson()).getAsJsonObject();
        assertEquals(actual.keySet(), defaults.keySet(), "the table's keys");
        JsonObject required = new JsonObject();
        defaults.forEach((key, value) -> {
            if (value.equals("required")) {
                required.add(key, actual.get(key));
            }
        });
        assertEquals(List.of("learning_rate", "total_steps", "batch_size", "output_dir"),
                List.copyOf(required.keySet()));
        for (Map.Entry<String, String> row : defaults.entrySet()) {
            String key = row.getKey();
            if (row.getValue().equals("required")) {
                JsonObject without = required.deepCopy();
                without.remove(key);
                assertThrows(ConfigException.class, () -> TrainingConfig.fromJson(without.toString()), key);
            } else {
                assertSameValue(key, JsonParser.parseString(row.getValue()), actual.get(key));
            }
        }
    }

    private static void assertSameValue(String key, JsonElement documented, JsonElement actual) {
        if (actual.isJsonArray()) {
            JsonArray d = documented.getAsJsonArray();
            JsonArray a = actual.getAsJsonArray();
            assertEquals(a.size(), d.size(), key);
            for (int i = 0; i < a.size(); i++) {
                assertSameValue(key, d.get(i), a.get(i));
            }
        } else if (actual.getAsJsonPrimitive().isNumber()) {
            assertEquals(actual.getAsDouble(), documented.getAsDouble(), key);
        } else {
            assertEquals(actual.getAsString(), documented.getAsString(), key);
        }
    }

    /** @return key to documented default ({@code required} or a JSON value), in table order */
    private static Map<String, String> table() throws IOException {
        String text = Files.readString(DOC);
        int start = text.indexOf("## Training-config reference");
        assertTrue(start >= 0, "docs/training.md has the training-config reference");
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = ROW.matcher(text.substring(start));
        while (m.find()) {
            out.put(m.group(1), m.group(2).strip().replace("`", ""));
        }
        return out;
    }
}
