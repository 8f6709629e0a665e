package dev.seedj.examples.docs;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.ZooModel;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.multimodal.SeedOpt;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.djl.SeedTokenizerModels;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The code shown in README.md and docs/quickstart.md. Each region between {@code // snippet:NAME} and
 * {@code // end snippet} appears verbatim in the markdown ({@link MarkdownSnippetsTest} checks it);
 * {@link QuickstartSnippetsTest} runs it on the bundled model.
 */
final class QuickstartSnippets {
    private QuickstartSnippets() {
    }

    static void tokenizeAndDetokenize(Path modelDir, Path photo) {
        // snippet:tokenize
        try (SeedTokenizer tokenizer = SeedTokenizer.load(modelDir)) {  // seed-tokenizer.json + weights
            BufferedImage image = ImagePreprocessor.decode(photo);        // JPEG, PNG, BMP, GIF
            int[] codes = tokenizer.tokenize(image);                      // numCodes() causal codes
            float[][] conditioning = tokenizer.detokenize(codes);         // generation embeddings [N, D]
            int codebook = tokenizer.config().codebook().size();          // SEED-mini 256, SEED 8192
            System.out.println(Arrays.toString(codes) + " in [0, " + codebook + ")");
            System.out.println(conditioning.length + " x " + conditioning[0].length);
        }
        // end snippet
    }

    static void batch(Path modelDir, Path... photos) {
        // snippet:batch
        try (SeedTokenizer tokenizer = SeedTokenizer.load(modelDir)) {
            int[][] codes = tokenizer.tokenize(Arrays.stream(photos).map(ImagePreprocessor::decode).toList());
            for (int i = 0; i < photos.length; i++) {
                System.out.println(photos[i].getFileName() + " " + Arrays.toString(codes[i]));
            }
        }
        // end snippet
    }

    static void seedOpt(Path tokenizerDir, Path llmDir, Path photo) {
        // snippet:seed-opt
        try (SeedTokenizer images = SeedTokenizer.load(tokenizerDir);
             SeedOpt seedOpt = SeedOpt.load(llmDir, null, images)) {            // null: no LoRA adapter
            String caption = seedOpt.caption(ImagePreprocessor.decode(photo));
            int[] codes = seedOpt.generateImageCodes("a red circle on a white background");
            float[][] conditioning = images.detokenize(codes);                // for Stable Diffusion
            System.out.println(caption);
            System.out.println(codes.length + " codes -> " + conditioning.length + " x " + conditioning[0].length);
        }
        // end snippet
    }

    static void djlPredictor(Path modelDir, Path photo) throws Exception {
        // snippet:djl
        try (SeedTokenizer tokenizer = SeedTokenizer.load(modelDir);
             ZooModel<Image, int[]> model = SeedTokenizerModels.tokenizing(tokenizer);
             Predictor<Image, int[]> predictor = model.newPredictor()) {
            Image image = ImageFactory.getInstance().fromFile(photo);
            int[] codes = predictor.predict(image);
            System.out.println(Arrays.toString(codes));
        }
        // end snippet
    }
}
