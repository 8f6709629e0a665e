package dev.seedj.spark;

/**
 * One input image before decoding: where it came from, its caption, and its bytes or why they could not be
 * read.
 *
 * <p>Immutable (the byte array is not copied and must not be changed); thread-safe.
 *
 * @param source the file's URI, with {@code #member} for a tar member
 * @param caption the caption, or null
 * @param bytes the encoded image, or null when {@code problem} says why there is none
 * @param problem why the input has no image, or null
 */
record Sample(String source, String caption, byte[] bytes, String problem) {
    static Sample of(String source, String caption, byte[] bytes) {
        return new Sample(source, caption, bytes, null);
    }

    static Sample failed(String source, String caption, String problem) {
        return new Sample(source, caption, null, problem);
    }
}
