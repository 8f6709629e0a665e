package dev.seedj.spark;

/**
 * One output row of the tokenize job (the columns of {@link TokenParquet}).
 *
 * <p>Immutable (arrays are not copied and must not be changed); thread-safe.
 *
 * @param imageId the SHA-256 of the input's bytes in hex, or null when they could not be read
 * @param source the input's URI, with {@code #member} for a tar member
 * @param width the decoded image's width, or null
 * @param height the decoded image's height, or null
 * @param caption the caption, or null
 * @param codes the image's codes, or null on error
 * @param status {@value #OK} or {@value #ERROR}
 * @param error what went wrong, or null when ok
 */
public record TokenRow(String imageId, String source, Integer width, Integer height, String caption, int[] codes,
        String status, String error) {
    /** The status of a tokenized image. */
    public static final String OK = "ok";
    /** The status of an input that could not be tokenized. */
    public static final String ERROR = "error";

    static TokenRow ok(String imageId, String source, int width, int height, String caption, int[] codes) {
        return new TokenRow(imageId, source, width, height, caption, codes, OK, null);
    }

    static TokenRow error(String imageId, String source, Integer width, Integer height, String caption,
            String error) {
        return new TokenRow(imageId, source, width, height, caption, null, ERROR, error);
    }
}
