package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.image.ResizeMode;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.train.BatchIterator;
import dev.seedj.core.train.BatchSource;
import dev.seedj.core.train.DataPosition;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A small random tokenizer config and a fixed random dataset with generation targets, for training tests. */
final class SyntheticData implements BatchSource<TokenizerBatch>, GenerationTargets {
    static final int IMAGE = 28;
    static final int EXAMPLES = 8;
    static final int IMAGE_DIM = 12;
    static final int TEXT_TOKENS = 6;
    static final int TEXT_DIM = 10;

    private final float[][] pixels = new float[EXAMPLES][];
    private final float[][] imageTargets = new float[EXAMPLES][];
    private final float[][] textTargets = new float[EXAMPLES][];
    private final BatchIterator<Integer> order;

    SyntheticData(int batchSize, long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < EXAMPLES; i++) {
            pixels[i] = gaussian(random, 3 * IMAGE * IMAGE, 1);
            imageTargets[i] = gaussian(random, IMAGE_DIM, 0.5f);
            textTargets[i] = gaussian(random, TEXT_TOKENS * TEXT_DIM, 0.5f);
        }
        this.order = new BatchIterator<>(EXAMPLES, i -> i, batchSize, seed, true);
    }

    static TokenizerConfig config() {
        return new TokenizerConfig(TokenizerConfig.Version.V2, IMAGE, ResizeMode.BICUBIC,
                new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f},
                new TokenizerConfig.Vision(14, 16, 1, 2, 2.0, 1e-6f, 1e-5f),
                new TokenizerConfig.QFormer(16, 2, 2, 32, 2, 8, 1e-12f),
                new TokenizerConfig.Codebook(64, 8),
                new TokenizerConfig.Decoder(1, 2, 2.0, 1e-6f, IMAGE_DIM, 0, 0, List.of(16, 8)),
                List.of(new TokenizerConfig.WeightFile("model.safetensors", "")));
    }

    /**
     * Random weights at a trained network's scale (the default 0.02 makes every image look alike to the frozen
     * encoder): every weight with 2 or more dimensions N(0, 1/fan_in), LayerNorms 1/0, biases 0.
     */
    static void initialize(SeedBlock network, NDManager manager) {
        network.initializeParameters(manager);
        network.namedParameters().forEach((name, p) -> {
            NDArray a = p.getArray();
            Shape shape = a.getShape();
            if (shape.dimension() >= 2) {
                long fanIn = shape.size() / shape.get(0);
                NDArray fresh = manager.randomNormal(0, (float) (1 / Math.sqrt(fanIn)), shape, a.getDataType());
                a.muli(0f).addi(fresh); // in place (NDArray.copyTo would hand the array a Java-owned buffer)
                fresh.close();
            }
        });
    }

    static Stage2Options options() {
        return Stage2Options.imageHeadOnly().withTextHead(new Stage2Options.TextHead(TEXT_TOKENS, 1, TEXT_DIM));
    }

    private static float[] gaussian(Random random, int n, float std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian() * std;
        }
        return out;
    }

    @Override
    public TokenizerBatch next() {
        List<Integer> ids = order.next();
        int per = 3 * IMAGE * IMAGE;
        float[] batch = new float[ids.size() * per];
        List<String> keys = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            System.arraycopy(pixels[ids.get(i)], 0, batch, i * per, per);
            keys.add("ex" + ids.get(i));
            captions.add("caption " + ids.get(i));
        }
        return new TokenizerBatch(keys, captions, batch, IMAGE);
    }

    @Override
    public DataPosition position() {
        return order.position();
    }

    @Override
    public void seek(DataPosition position) {
        order.seek(position);
    }

    @Override
    public NDArray imageEmbeds(List<String> keys, NDManager manager) {
        return stack(keys, imageTargets, new Shape(IMAGE_DIM), manager);
    }

    @Override
    public NDArray textFeatures(List<String> keys, NDManager manager) {
        return stack(keys, textTargets, new Shape(TEXT_TOKENS, TEXT_DIM), manager);
    }

    private static NDArray stack(List<String> keys, float[][] values, Shape shape, NDManager manager) {
        NDList rows = new NDList();
        for (String key : keys) {
            rows.add(manager.create(values[Integer.parseInt(key.substring(2))], shape));
        }
        return NDArrays.stack(rows);
    }
}
