package dev.seedj.core.train;

/**
 * Random access to image-text training pairs on disk. The list of pairs and the captions are read when the
 * dataset is opened (so that a broken index fails at once); image bytes are read on each {@link #get}.
 *
 * <p>Implementations are safe for concurrent {@link #get} calls; {@link #close()} must not race with them.
 */
public interface ImageTextDataset extends AutoCloseable {

    /** @return the number of pairs */
    int size();

    /**
     * @param index 0 &le; index &lt; {@link #size()}
     * @return the pair, with its image bytes read from disk
     * @throws DatasetException if the image cannot be read
     * @throws IndexOutOfBoundsException for a bad index
     */
    ImageTextExample get(int index);

    /** Releases open files. */
    @Override
    void close();
}
