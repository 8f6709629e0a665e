package dev.seedj.tokenizer.train;

import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.train.BatchIterator;
import dev.seedj.core.train.BatchSource;
import dev.seedj.core.train.DataPosition;
import dev.seedj.core.train.ImageTextDataset;
import dev.seedj.core.train.ImageTextExample;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Shuffled, checkpointable {@link TokenizerBatch}es of an image-text dataset: {@link BatchIterator} for the order,
 * then each image decoded and preprocessed as the tokenizer's config says (resize filter, CLIP mean and std).
 *
 * <p>Not thread-safe; the training loop calls it from one thread.
 */
public final class ImageTextBatches implements BatchSource<TokenizerBatch> {
    private final BatchIterator<ImageTextExample> order;
    private final ImagePreprocessor preprocessor;

    /**
     * @param dataset the examples
     * @param config the tokenizer config (image size and normalisation)
     * @param batchSize examples per batch
     * @param seed shuffling seed
     */
    public ImageTextBatches(ImageTextDataset dataset, TokenizerConfig config, int batchSize, long seed) {
        this.order = BatchIterator.of(dataset, batchSize, seed);
        this.preprocessor = new ImagePreprocessor(config.imageSize(), config.resize(),
                toDoubles(config.imageMean()), toDoubles(config.imageStd()));
    }

    @Override
    public TokenizerBatch next() {
        List<ImageTextExample> examples = order.next();
        int s = preprocessor.size();
        int per = 3 * s * s;
        float[] pixels = new float[examples.size() * per];
        List<String> keys = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            ImageTextExample e = examples.get(i);
            float[] chw = preprocessor.toCHW(ImagePreprocessor.decode(e.imageBytes())); // [3, S, S]
            System.arraycopy(chw, 0, pixels, i * per, per);
            keys.add(e.key());
            captions.add(e.caption());
        }
        return new TokenizerBatch(keys, captions, pixels, s);
    }

    @Override
    public DataPosition position() {
        return order.position();
    }

    @Override
    public void seek(DataPosition position) {
        order.seek(position);
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
