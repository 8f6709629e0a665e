package dev.seedj.core.config;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The writing half of the config binder: a record becomes a JSON object with one snake_case key per component
 * (the layout {@link ConfigValue#asRecord} reads back), and JSON is printed the way every config file of SEED-J
 * is written (pretty, two-space indent).
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigWriter {
    private static final Gson RECORDS = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .create();
    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().create();

    private ConfigWriter() {}

    /**
     * @param record a record whose components are numbers, booleans, strings, lists or records
     * @return its JSON object, keys in component order
     */
    public static JsonObject toJson(Record record) {
        return RECORDS.toJsonTree(record).getAsJsonObject();
    }

    /**
     * @param json a JSON tree
     * @return the text written to config files
     */
    public static String pretty(JsonElement json) {
        return PRETTY.toJson(json);
    }
}
