package dev.seedj.tokenizer.djl;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.repository.zoo.ZooModel;
import dev.seedj.tokenizer.SeedTokenizer;
import java.util.Objects;

/**
 * DJL models whose block is a {@link SeedTokenizer}, for code that works with DJL's
 * {@link Model} / {@link ai.djl.inference.Predictor} / {@link ai.djl.translate.Translator} API:
 *
 * <pre>{@code
 * try (SeedTokenizer tokenizer = SeedTokenizer.load(modelDir);
 *      ZooModel<Image, int[]> model = SeedTokenizerModels.tokenizing(tokenizer);
 *      Predictor<Image, int[]> predictor = model.newPredictor()) {
 *     int[] codes = predictor.predict(ImageFactory.getInstance().fromFile(photo));
 * }
 * }</pre>
 *
 * The models do not own the tokenizer: close it after them.
 *
 * <p>Stateless; thread-safe.
 */
public final class SeedTokenizerModels {
    private SeedTokenizerModels() {
    }

    /**
     * @param tokenizer the tokenizer
     * @return a model (on the tokenizer's device) whose block is a {@link SeedTokenizerBlock}; use it with
     *     {@link ImageTokenizeTranslator} and {@link CodesDetokenizeTranslator}
     */
    public static Model newModel(SeedTokenizer tokenizer) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        Model model = Model.newInstance("seed-tokenizer-" + tokenizer.config().version().jsonName(),
                tokenizer.device());
        model.setBlock(new SeedTokenizerBlock(tokenizer));
        return model;
    }

    /**
     * @param tokenizer the tokenizer
     * @return a model whose default predictor turns an {@link Image} into its codes
     */
    public static ZooModel<Image, int[]> tokenizing(SeedTokenizer tokenizer) {
        return new ZooModel<>(newModel(tokenizer), new ImageTokenizeTranslator(tokenizer.preprocessor()));
    }

    /**
     * @param tokenizer the tokenizer
     * @return a model whose default predictor turns one image's codes into its generation embeddings
     */
    public static ZooModel<int[], float[][]> detokenizing(SeedTokenizer tokenizer) {
        return new ZooModel<>(newModel(tokenizer), new CodesDetokenizeTranslator());
    }
}
