package dev.seedj.tokenizer;

/**
 * A tokenizer configuration ({@code seed-tokenizer.json}) with a missing, malformed or inconsistent field.
 * The message and {@link #field()} name the field by its dotted JSON path, e.g. {@code qformer.num_heads}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The dotted JSON path of the offending field. */
    private final String field;
    /** What is wrong with the field. */
    private final String problem;

    /**
     * @param field the dotted JSON path of the offending field
     * @param problem what is wrong with it
     */
    public ConfigException(String field, String problem) {
        super("tokenizer config field '" + field + "': " + problem);
        this.field = field;
        this.problem = problem;
    }

    private ConfigException(String source, ConfigException cause) {
        super(source + ": field '" + cause.field + "': " + cause.problem, cause);
        this.field = cause.field;
        this.problem = cause.problem;
    }

    /**
     * @param source where the config came from, e.g. its path
     * @return the same problem with the source in the message
     */
    public ConfigException in(String source) {
        return new ConfigException(source, this);
    }

    /** @return the dotted JSON path of the offending field */
    public String field() {
        return field;
    }

    /** @return what is wrong with the field */
    public String problem() {
        return problem;
    }
}
