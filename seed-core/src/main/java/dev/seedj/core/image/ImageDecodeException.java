package dev.seedj.core.image;

/**
 * An image could not be decoded: the file is missing or unreadable, the bytes are not an image format
 * ImageIO reads, the data is truncated or corrupt, or the image is too large. The message names the
 * source (file path, or the kind of in-memory input) and the problem.
 *
 * <p>It is an {@link IllegalArgumentException} because it always reports bad input. Instances are
 * immutable and therefore thread-safe.
 */
public class ImageDecodeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * @param source the file or input that failed, as shown to the user
     * @param problem what is wrong
     */
    public ImageDecodeException(String source, String problem) {
        super(source + ": " + problem);
    }

    /**
     * @param source the file or input that failed, as shown to the user
     * @param problem what is wrong
     * @param cause the underlying decoder error
     */
    public ImageDecodeException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
    }
}
