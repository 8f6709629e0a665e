package dev.seedj.core.train;

import java.util.Objects;

/**
 * One training pair: an encoded image (JPEG or PNG bytes, decoded by the model's preprocessing) and its caption.
 *
 * <p>Immutable by convention and thread-safe: the byte array is shared, not copied; do not modify it.
 *
 * @param key identifies the example in its dataset (file name or webdataset key)
 * @param imageName the image's file name, whose extension tells its format
 * @param imageBytes the encoded image
 * @param caption the text
 */
public record ImageTextExample(String key, String imageName, byte[] imageBytes, String caption) {
    /**
     * Checks that nothing is null.
     *
     * @param key identifies the example in its dataset (file name or webdataset key)
     * @param imageName the image's file name, whose extension tells its format
     * @param imageBytes the encoded image
     * @param caption the text
     */
    public ImageTextExample {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(imageName, "imageName");
        Objects.requireNonNull(imageBytes, "imageBytes");
        Objects.requireNonNull(caption, "caption");
    }
}
