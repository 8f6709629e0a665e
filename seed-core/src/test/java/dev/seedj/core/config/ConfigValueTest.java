package dev.seedj.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config binder: values, paths in errors, records, and the file name in messages. */
class ConfigValueTest {
    /** A record the binder fills: snake_case keys, nested record, list. */
    record Inner(int patchSize, double mlpRatio) {
        Inner {
            if (patchSize <= 0) {
                throw new IllegalArgumentException("patch_size must be positive, got " + patchSize);
            }
        }
    }

    /** The outer record. */
    record Outer(String name, Inner vision, List<String> targetModules, boolean enabled, float eps) {}

    private static final String JSON = """
            {"name": "x", "vision": {"patch_size": 8, "mlp_ratio": 2.5}, "target_modules": ["q_proj", "v_proj"],
             "enabled": true, "eps": 1e-6, "extra": null, "pattern": {"q": 4}}""";

    @Test
    void bindsRecordsWithSnakeCaseKeys() {
        Outer o = ConfigValue.parse(JSON).asRecord(Outer.class);
        assertEquals(new Outer("x", new Inner(8, 2.5), List.of("q_proj", "v_proj"), true, 1e-6f), o);
        assertEquals(new Inner(8, 2.5), ConfigValue.of(ConfigWriter.toJson(new Inner(8, 2.5))).asRecord(Inner.class));
        assertEquals("{\"patch_size\":8,\"mlp_ratio\":2.5}", ConfigWriter.toJson(new Inner(8, 2.5)).toString());
    }

    @Test
    void errorsNameTheJsonPath() {
        ConfigValue root = ConfigValue.parse(JSON.replace("\"v_proj\"", "3"));
        ConfigException e = assertThrows(ConfigException.class, () -> root.get("target_modules").asList(ConfigValue::asString));
        assertEquals("$.target_modules[1]", e.path());
        assertEquals("$.target_modules[1]: expected a string, got 3", e.getMessage());
        assertEquals("$.vision.patch_size: expected an integer, got 8.5", assertThrows(ConfigException.class,
                () -> ConfigValue.parse(JSON.replace("8,", "8.5,")).asRecord(Outer.class)).getMessage());
        assertEquals("$.vision.mlp_ratio: missing", assertThrows(ConfigException.class,
                () -> ConfigValue.parse(JSON.replace(", \"mlp_ratio\": 2.5", "")).asRecord(Outer.class)).getMessage());
        assertEquals("$.vision: patch_size must be positive, got 0", assertThrows(ConfigException.class,
                () -> ConfigValue.parse(JSON.replace("8,", "0,")).asRecord(Outer.class)).getMessage());
        assertEquals("$.extra: missing", assertThrows(ConfigException.class,
                () -> ConfigValue.parse(JSON).get("extra").asInt()).getMessage());
        assertEquals(7, ConfigValue.parse(JSON).get("extra").asInt(7), "null is missing: the fallback");
        assertEquals(Map.of("q", 4), ConfigValue.parse(JSON).get("pattern").asMap(ConfigValue::asInt));
        assertEquals("$.name: expected an object, got \"x\"", assertThrows(ConfigException.class,
                () -> ConfigValue.parse(JSON).get("name").get("x")).getMessage());
        assertEquals("$.big: expected a 32-bit integer, got 4294967296", assertThrows(ConfigException.class,
                () -> ConfigValue.parse("{\"big\": 4294967296}").get("big").asInt()).getMessage());
        assertEquals("$.enabled.x: unknown key; known keys: [a]", assertThrows(ConfigException.class,
                () -> ConfigValue.parse("{\"enabled\": {\"x\": 1}}").get("enabled").rejectUnknownKeys(List.of("a")))
                .getMessage());
    }

    @Test
    void badJsonIsNamedWithoutGsonsAdvice(@TempDir Path dir) throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigValue.parse("{\"a\" 1}"));
        assertTrue(e.getMessage().startsWith("$: not valid JSON: "), e.getMessage());
        assertFalse(e.getMessage().contains("LENIENT") || e.getMessage().contains("setLenient")
                || e.getMessage().contains("https://"), e.getMessage());
        Path file = dir.resolve("lora_config.json");
        Files.writeString(file, "{\"target_modules\": [\"q_proj\", 1]}");
        ConfigException inFile = assertThrows(ConfigException.class,
                () -> ConfigValue.readFile(file, v -> v.get("target_modules").asList(ConfigValue::asString)));
        assertEquals(file + ": $.target_modules[1]: expected a string, got 1", inFile.getMessage());
        assertEquals(file.toString(), inFile.source());
        ConfigException missing = assertThrows(ConfigException.class, () -> ConfigValue.read(dir.resolve("none.json")));
        assertEquals(dir.resolve("none.json") + ": $: no such file", missing.getMessage());
    }
}
