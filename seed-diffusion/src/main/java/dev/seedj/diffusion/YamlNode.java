package dev.seedj.diffusion;

import dev.seedj.core.weights.CheckpointException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed reading of a parsed YAML mapping (plain maps, lists, strings and numbers from SnakeYAML), with errors
 * that name the offending key's path, e.g. {@code model.params.unet_config.params.channel_mult}.
 *
 * <p>Immutable view; thread-safe if the underlying map is not modified.
 */
final class YamlNode {
    private final Map<?, ?> map;
    private final String path;
    private final String source;

    /**
     * @param map the mapping
     * @param path its dotted path, empty at the root
     * @param source the file, for messages
     */
    YamlNode(Map<?, ?> map, String path, String source) {
        this.map = map;
        this.path = path;
        this.source = source;
    }

    boolean has(String key) {
        return map.get(key) != null;
    }

    YamlNode child(String key) {
        Object value = map.get(key);
        if (!(value instanceof Map<?, ?> m)) {
            throw error(key, value == null ? "is missing" : "is not a mapping");
        }
        return new YamlNode(m, qualified(key), source);
    }

    String string(String key, String fallback) {
        Object value = map.get(key);
        return value == null ? fallback : value.toString();
    }

    double number(String key, double fallback) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(value.toString()); // YAML 1.1 reads some floats (1.e-6) as strings
        } catch (NumberFormatException e) {
            throw error(key, "is not a number: " + value);
        }
    }

    int integer(String key, Integer fallback) {
        Object value = map.get(key);
        if (value == null) {
            if (fallback == null) {
                throw error(key, "is missing");
            }
            return fallback;
        }
        if (value instanceof Integer || value instanceof Long) {
            return Math.toIntExact(((Number) value).longValue());
        }
        if (value instanceof List<?> list && !list.isEmpty() && list.stream().distinct().count() == 1
                && list.get(0) instanceof Integer single) {
            return single; // a per-level list with one value throughout
        }
        throw error(key, "is not an integer: " + value);
    }

    boolean bool(String key, boolean fallback) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw error(key, "is not true/false: " + value);
    }

    List<Integer> integers(String key, boolean required) {
        Object value = map.get(key);
        if (value == null && !required) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw error(key, value == null ? "is missing" : "is not a list: " + value);
        }
        List<Integer> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof Integer i)) {
                throw error(key, "holds a non-integer: " + item);
            }
            out.add(i);
        }
        return out;
    }

    String qualified(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    CheckpointException error(String key, String problem) {
        return new CheckpointException(source + ": " + qualified(key) + " " + problem);
    }
}
