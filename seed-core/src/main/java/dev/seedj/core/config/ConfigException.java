package dev.seedj.core.config;

/**
 * A JSON configuration with a missing, malformed or inconsistent field: the one exception every config
 * reader of SEED-J throws ({@code seed-tokenizer.json}, OPT's {@code config.json}, PEFT's
 * {@code adapter_config.json}, training configs, prompt templates). The message names the source (when known),
 * the JSON path of the bad field and the problem, e.g.
 * {@code adapter_config.json: $.target_modules[1]: expected a string, got 3}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Where the config came from (a file path or name), or null if unknown. */
    private final String source;
    /** The JSON path of the offending field, e.g. {@code $.qformer.num_heads}. */
    private final String path;
    /** What is wrong with the field. */
    private final String problem;

    /**
     * @param path the JSON path of the offending field, e.g. {@code $.qformer.num_heads} ({@code $} for the
     *     whole document)
     * @param problem what is wrong with it
     */
    public ConfigException(String path, String problem) {
        this(null, path, problem, null);
    }

    private ConfigException(String source, String path, String problem, Throwable cause) {
        super((source == null ? "" : source + ": ") + path + ": " + problem, cause);
        this.source = source;
        this.path = path;
        this.problem = problem;
    }

    /**
     * @param source where the config came from, e.g. its file path
     * @return the same problem with the source in front of the message
     */
    public ConfigException in(String source) {
        return new ConfigException(source, path, problem, this);
    }

    /** @return where the config came from, or null if unknown */
    public String source() {
        return source;
    }

    /** @return the JSON path of the offending field, e.g. {@code $.qformer.num_heads} */
    public String path() {
        return path;
    }

    /** @return what is wrong with the field */
    public String problem() {
        return problem;
    }
}
