package dev.seedj.core.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The config binder: one value of a JSON config document together with its JSON path, read with Gson and
 * converted to Java values, lists, maps, enums and records. Every conversion checks the JSON type and throws
 * {@link ConfigException} naming the path ({@code $.vision.width}, {@code $.target_modules[1]}); a value read
 * from a file carries the file in the message.
 *
 * <p>A member that is absent or JSON {@code null} is <em>missing</em>: the required accessors ({@link #asInt()},
 * {@link #asString()}, ...) refuse it, the ones with a fallback return the fallback. {@link #asRecord} binds a
 * JSON object to a Java record, one snake_case key per record component ({@code patchSize} from
 * {@code patch_size}), every component required; the record's constructor validates.
 *
 * <pre>{@code
 * ConfigValue root = ConfigValue.read(dir.resolve("adapter_config.json"));
 * int r = root.get("r").asInt();
 * List<String> targets = root.get("target_modules").asList(ConfigValue::asString);
 * boolean rslora = root.get("use_rslora").asBoolean(false);
 * }</pre>
 *
 * <p>Immutable and thread-safe (it never modifies the JSON tree it wraps).
 */
public final class ConfigValue {
    private final JsonElement element;
    private final String path;

    private ConfigValue(JsonElement element, String path) {
        this.element = element == null || element.isJsonNull() ? null : element;
        this.path = path;
    }

    /**
     * @param json a JSON tree (not modified)
     * @return the document root, path {@code $}
     */
    public static ConfigValue of(JsonElement json) {
        return new ConfigValue(json, "$");
    }

    /**
     * Parses JSON text.
     *
     * @param json the text
     * @return the document root
     * @throws ConfigException if the text is not JSON
     */
    public static ConfigValue parse(String json) {
        try {
            return of(JsonParser.parseString(json));
        } catch (JsonParseException e) {
            throw new ConfigException("$", "not valid JSON: " + describe(e));
        }
    }

    /**
     * Reads a config file.
     *
     * @param file the file
     * @return the document root; conversions of it name the file in their {@link ConfigException}
     * @throws ConfigException naming the file if it is missing or not JSON
     * @throws UncheckedIOException if it cannot be read
     */
    public static ConfigValue read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("$", "no such file").in(file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config " + file, e);
        }
        try {
            return parse(text);
        } catch (ConfigException e) {
            throw e.in(file.toString());
        }
    }

    /**
     * Runs a conversion of a file's document and puts the file's name into any {@link ConfigException}.
     *
     * @param file the file
     * @param convert what to build from its root
     * @param <T> the result type
     * @return the result
     * @throws ConfigException naming the file and the bad field
     */
    public static <T> T readFile(Path file, Function<ConfigValue, T> convert) {
        ConfigValue root = read(file);
        try {
            return convert.apply(root);
        } catch (ConfigException e) {
            throw e.source() == null ? e.in(file.toString()) : e;
        }
    }

    /**
     * Gson's parse message without its advice about lenient parsing and its troubleshooting link, which a user
     * of a config or data file cannot act on.
     *
     * @param e a Gson parse failure
     * @return what is wrong and where, e.g. {@code Expected ':' at line 1 column 6 path $.a}
     */
    public static String describe(JsonParseException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String message = String.valueOf(cause.getMessage());
        int advice = message.indexOf("\nSee https://");
        message = advice >= 0 ? message.substring(0, advice) : message;
        return message.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON at ", "at ")
                .replace("Use JsonReader.setLenient(true) to accept malformed JSON at ", "at ");
    }

    /** @return this value's JSON path, e.g. {@code $.vision.width} */
    public String path() {
        return path;
    }

    /** @return whether the value is present (not absent, not JSON null) */
    public boolean isPresent() {
        return element != null;
    }

    /** @return whether the value is a JSON array */
    public boolean isArray() {
        return element != null && element.isJsonArray();
    }

    /** @return whether the value is a JSON object */
    public boolean isObject() {
        return element != null && element.isJsonObject();
    }

    /** @return whether the value is a JSON string */
    public boolean isString() {
        return element != null && element.isJsonPrimitive() && element.getAsJsonPrimitive().isString();
    }

    /** @return whether the value is a JSON boolean */
    public boolean isBoolean() {
        return element != null && element.isJsonPrimitive() && element.getAsJsonPrimitive().isBoolean();
    }

    /** @return a copy of the JSON tree, or null if missing */
    public JsonElement json() {
        return element == null ? null : element.deepCopy();
    }

    /**
     * @param problem what is wrong with this value
     * @return an exception naming this value's path
     */
    public ConfigException error(String problem) {
        return new ConfigException(path, problem);
    }

    /**
     * @param key a member name
     * @return the member of this object (possibly missing)
     * @throws ConfigException if this value is not an object
     */
    public ConfigValue get(String key) {
        return new ConfigValue(object().get(key), path + "." + key);
    }

    /**
     * @return the member names of this object, in document order
     * @throws ConfigException if this value is missing or not an object
     */
    public Set<String> keys() {
        return object().keySet();
    }

    /**
     * Refuses members that are not in {@code known} (a misspelt key would otherwise be ignored silently).
     *
     * @param known the accepted member names
     * @throws ConfigException naming the first unknown member and listing the known ones
     */
    public void rejectUnknownKeys(Collection<String> known) {
        for (String key : keys()) {
            if (!known.contains(key)) {
                throw new ConfigException(path + "." + key, "unknown key; known keys: " + new TreeSet<>(known));
            }
        }
    }

    private JsonObject object() {
        required();
        if (!element.isJsonObject()) {
            throw error("expected an object, got " + element);
        }
        return element.getAsJsonObject();
    }

    private JsonArray array() {
        required();
        if (!element.isJsonArray()) {
            throw error("expected an array, got " + element);
        }
        return element.getAsJsonArray();
    }

    private void required() {
        if (element == null) {
            throw error("missing");
        }
    }

    private JsonPrimitive primitive(String kind, boolean accept) {
        required();
        if (!accept) {
            throw error("expected " + kind + ", got " + element);
        }
        return element.getAsJsonPrimitive();
    }

    /**
     * @return this string
     * @throws ConfigException if missing or not a string
     */
    public String asString() {
        return primitive("a string", isString()).getAsString();
    }

    /**
     * @param fallback the value when missing
     * @return this string, or the fallback
     */
    public String asString(String fallback) {
        return element == null ? fallback : asString();
    }

    /**
     * @return this boolean
     * @throws ConfigException if missing or not a boolean
     */
    public boolean asBoolean() {
        return primitive("a boolean", isBoolean()).getAsBoolean();
    }

    /**
     * @param fallback the value when missing
     * @return this boolean, or the fallback
     */
    public boolean asBoolean(boolean fallback) {
        return element == null ? fallback : asBoolean();
    }

    /**
     * @return this number
     * @throws ConfigException if missing or not a number
     */
    public double asDouble() {
        return primitive("a number", element != null && element.isJsonPrimitive()
                && element.getAsJsonPrimitive().isNumber()).getAsDouble();
    }

    /**
     * @param fallback the value when missing
     * @return this number, or the fallback
     */
    public double asDouble(double fallback) {
        return element == null ? fallback : asDouble();
    }

    /**
     * @return this integer
     * @throws ConfigException if missing, not a number, fractional or beyond 64 bits
     */
    public long asLong() {
        BigDecimal d = primitive("an integer", element != null && element.isJsonPrimitive()
                && element.getAsJsonPrimitive().isNumber()).getAsBigDecimal();
        try {
            return d.longValueExact();
        } catch (ArithmeticException e) {
            throw error("expected an integer, got " + element);
        }
    }

    /**
     * @param fallback the value when missing
     * @return this integer, or the fallback
     */
    public long asLong(long fallback) {
        return element == null ? fallback : asLong();
    }

    /**
     * @return this integer
     * @throws ConfigException if missing, not a number, fractional or beyond 32 bits
     */
    public int asInt() {
        long v = asLong();
        if (v != (int) v) {
            throw error("expected a 32-bit integer, got " + element);
        }
        return (int) v;
    }

    /**
     * @param fallback the value when missing
     * @return this integer, or the fallback
     */
    public int asInt(int fallback) {
        return element == null ? fallback : asInt();
    }

    /**
     * An enum constant by its lower-case JSON name ({@code "cosine"} for {@code COSINE}).
     *
     * @param type the enum
     * @param <E> the enum type
     * @return the constant
     * @throws ConfigException if missing or not one of the names, listing them
     */
    public <E extends Enum<E>> E asEnum(Class<E> type) {
        String s = asString();
        List<String> names = new ArrayList<>();
        for (E c : type.getEnumConstants()) {
            String name = c.name().toLowerCase(Locale.ROOT);
            if (name.equals(s)) {
                return c;
            }
            names.add("\"" + name + "\"");
        }
        throw error("must be one of " + String.join(", ", names) + ", got \"" + s + "\"");
    }

    /**
     * @param type the enum
     * @param fallback the value when missing
     * @param <E> the enum type
     * @return the constant, or the fallback
     */
    public <E extends Enum<E>> E asEnum(Class<E> type, E fallback) {
        return element == null ? fallback : asEnum(type);
    }

    /**
     * @return the elements of this array, each with its path ({@code $.weights[0]})
     * @throws ConfigException if missing or not an array
     */
    public List<ConfigValue> elements() {
        JsonArray a = array();
        List<ConfigValue> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(new ConfigValue(a.get(i), path + "[" + i + "]"));
        }
        return out;
    }

    /**
     * @param convert converts one element (e.g. {@code ConfigValue::asString})
     * @param <T> the element type
     * @return the converted elements of this array (an unmodifiable list)
     * @throws ConfigException if missing, not an array, or an element does not convert
     */
    public <T> List<T> asList(Function<ConfigValue, T> convert) {
        return elements().stream().map(convert).toList();
    }

    /**
     * @param convert converts one member value
     * @param <T> the value type
     * @return the members of this object in document order, converted (an unmodifiable map)
     * @throws ConfigException if missing, not an object, or a member does not convert
     */
    public <T> Map<String, T> asMap(Function<ConfigValue, T> convert) {
        Map<String, T> out = new LinkedHashMap<>();
        for (String key : keys()) {
            out.put(key, convert.apply(get(key)));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * @return this array of numbers as floats
     * @throws ConfigException if missing, not an array, or an element is not a number
     */
    public float[] asFloats() {
        List<ConfigValue> e = elements();
        float[] out = new float[e.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) e.get(i).asDouble();
        }
        return out;
    }

    /**
     * Binds this object to a record: component {@code fooBar} reads key {@code foo_bar}; components may be
     * {@code int}, {@code long}, {@code float}, {@code double}, {@code boolean}, {@code String}, an enum,
     * a record, or a {@code List} of those. Every component is required; unknown keys are ignored. The record's
     * constructor validates; an {@link IllegalArgumentException} it throws is reported at this object's path.
     *
     * @param type the record class
     * @param <R> the record type
     * @return the record
     * @throws ConfigException naming the first missing or mistyped member
     */
    public <R extends Record> R asRecord(Class<R> type) {
        object();
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            args[i] = get(snakeCase(components[i].getName())).convert(components[i].getGenericType());
        }
        try {
            Constructor<R> constructor = type.getDeclaredConstructor(types);
            constructor.setAccessible(true);
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof ConfigException c) {
                throw c;
            }
            if (e.getCause() instanceof IllegalArgumentException c) {
                throw error(c.getMessage());
            }
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object convert(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            return asList(v -> v.convert(p.getActualTypeArguments()[0]));
        }
        Class<?> c = (Class<?>) type;
        if (c == int.class || c == Integer.class) {
            return asInt();
        } else if (c == long.class || c == Long.class) {
            return asLong();
        } else if (c == double.class || c == Double.class) {
            return asDouble();
        } else if (c == float.class || c == Float.class) {
            return (float) asDouble();
        } else if (c == boolean.class || c == Boolean.class) {
            return asBoolean();
        } else if (c == String.class) {
            return asString();
        } else if (c.isEnum()) {
            return asEnum((Class<Enum>) c);
        } else if (c.isRecord()) {
            return asRecord((Class<Record>) c);
        }
        throw new IllegalArgumentException("the config binder cannot read a " + c.getName());
    }

    /**
     * @param javaName a camelCase name, e.g. {@code patchSize}
     * @return its snake_case JSON key, e.g. {@code patch_size}
     */
    public static String snakeCase(String javaName) {
        StringBuilder out = new StringBuilder();
        for (char ch : javaName.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                out.append('_').append(Character.toLowerCase(ch));
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return path + " = " + element;
    }
}
