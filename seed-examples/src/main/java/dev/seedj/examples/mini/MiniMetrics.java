package dev.seedj.examples.mini;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.train.BertWordPieceTokenizer;
import dev.seedj.core.train.Gradients;
import dev.seedj.core.train.TokenizedText;
import dev.seedj.examples.shapes.CaptionAttributes;
import dev.seedj.examples.shapes.Judgement;
import dev.seedj.examples.shapes.ShapeClassifier;
import dev.seedj.examples.shapes.ShapeSample;
import dev.seedj.examples.shapes.ShapeScene;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.multimodal.SeedOpt;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import dev.seedj.tokenizer.train.Stage1Network;
import dev.seedj.tokenizer.train.TokenizerTraining;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * SEED-mini's acceptance measurements on held-out scenes ({@link ShapesWorld#test(long)}):
 * <ul>
 *   <li>{@link #captionAccuracy}: {@code SeedOpt.caption} (of a list: batched) states all four attributes right, of
 *       the rendered pictures or of {@link Degradation degraded} ones;</li>
 *   <li>{@link #colourAnswers}: {@code SeedOpt.answer} to {@value MiniWorldText#COLOUR_QUESTION} is the colour;</li>
 *   <li>{@link #generationAccuracy}: {@code generateConditioning} then the {@link PixelDecoder} draws a picture whose
 *       dominant colour and shape, as {@link ShapeClassifier} judges them, are the asked ones;</li>
 *   <li>{@link #codebookUsage}: share of the codebook the test pictures use;</li>
 *   <li>{@link #retrievalAtOne}: stage-1 image-to-text retrieval among {@code n} candidates; as the world has only
 *       72 distinct captions, a retrieved caption counts as right when its text equals the picture's caption.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe as the models passed in are.
 */
public final class MiniMetrics {

    /**
     * A measured share.
     *
     * @param hits how many were right
     * @param total how many were tried
     * @param failures up to ten descriptions of wrong cases
     */
    public record Share(int hits, int total, List<String> failures) {
        /** @return hits / total */
        public double value() {
            return total == 0 ? 0 : (double) hits / total;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%d/%d = %.1f%%", hits, total, 100 * value());
        }
    }

    private MiniMetrics() {}

    /**
     * @param model SEED-OPT on the SEED-mini tokenizer
     * @param test held-out world
     * @param n scenes 0 .. n - 1
     * @return captions of the rendered pictures with all four attributes right
     */
    public static Share captionAccuracy(SeedOpt model, ShapesWorld test, int n) {
        return captionAccuracy(model, test, n, null);
    }

    /**
     * @param model SEED-OPT on the SEED-mini tokenizer
     * @param test held-out world
     * @param n scenes 0 .. n - 1
     * @param degradation applied at its test strength ({@link Degradation#test}) before captioning, or null for the
     *     rendered pictures
     * @return captions with all four attributes right
     */
    public static Share captionAccuracy(SeedOpt model, ShapesWorld test, int n, Degradation degradation) {
        List<BufferedImage> pictures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BufferedImage rendered = test.sample(i).image();
            pictures.add(degradation == null ? rendered : degradation.test(rendered, i));
        }
        List<String> captions = n == 0 ? List.of() : model.caption(pictures); // batched through the language model
        int hits = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ShapeSample sample = test.sample(i);
            String caption = captions.get(i);
            Optional<CaptionAttributes> said = ShapeScene.tryParseCaption(caption);
            if (said.isPresent() && said.get().equals(sample.scene().attributes())) {
                hits++;
            } else if (failures.size() < 10) {
                failures.add("'" + sample.caption() + "' captioned '" + caption + "'");
            }
        }
        return new Share(hits, n, failures);
    }

    /**
     * @param model SEED-OPT on the SEED-mini tokenizer
     * @param test held-out world
     * @param n scenes 0 .. n - 1
     * @return answers to {@value MiniWorldText#COLOUR_QUESTION} that are exactly the shape's colour word
     */
    public static Share colourAnswers(SeedOpt model, ShapesWorld test, int n) {
        int hits = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ShapeSample s = test.sample(i);
            String answer = model.answer(s.image(), MiniWorldText.COLOUR_QUESTION);
            if (answer.equals(s.scene().colour().word())) {
                hits++;
            } else if (failures.size() < 10) {
                failures.add("'" + s.caption() + "' answered '" + answer + "'");
            }
        }
        return new Share(hits, n, failures);
    }

    /**
     * @param model SEED-OPT on the SEED-mini tokenizer
     * @param decoder the tokenizer's pixel decoder
     * @param test held-out world (its scenes give the captions asked for)
     * @param n captions of scenes 0 .. n - 1
     * @return pictures whose judged colour and shape are the asked ones
     */
    public static Share generationAccuracy(SeedOpt model, PixelDecoder decoder, ShapesWorld test, int n) {
        int hits = 0;
        List<String> failures = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < n; i++) {
                ShapeScene scene = test.scene(i);
                BufferedImage picture = decoder.draw(model.generateConditioning(scene.caption())[0], manager);
                Judgement j = ShapeClassifier.judge(picture);
                if (j.found() && j.colour() == scene.colour() && j.shape() == scene.shape()) {
                    hits++;
                } else if (failures.size() < 10) {
                    failures.add("'" + scene.caption() + "' drew " + (j.found() ? j.colour() + " " + j.shape()
                            : "no shape"));
                }
            }
        }
        return new Share(hits, n, failures);
    }

    /**
     * @param tokenizer the SEED-mini tokenizer
     * @param test held-out world
     * @param n scenes 0 .. n - 1
     * @return distinct codes used out of the codebook size
     */
    public static Share codebookUsage(SeedTokenizer tokenizer, ShapesWorld test, int n) {
        BitSet used = new BitSet();
        List<BufferedImage> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pending.add(test.sample(i).image());
            if (pending.size() == 64 || i == n - 1) {
                for (int[] codes : tokenizer.tokenize(pending)) {
                    for (int c : codes) {
                        used.set(c);
                    }
                }
                pending.clear();
            }
        }
        return new Share(used.cardinality(), tokenizer.config().codebook().size(), List.of());
    }

    /**
     * Stage-1 image-to-text retrieval: each of {@code n} test pictures against the captions of all {@code n}, by the
     * cosine of the last query's {@code vision_proj} and the caption's {@code text_proj} features.
     *
     * @param stage1Dir the stage-1 folder ({@code seed-tokenizer.json}, {@code model.safetensors}, {@code vocab.txt})
     * @param test held-out world
     * @param n candidates (and queries)
     * @return pictures whose best caption is their own caption's text
     */
    public static Share retrievalAtOne(Path stage1Dir, ShapesWorld test, int n) {
        return retrievalAtOne(stage1Dir, test, n, null);
    }

    /**
     * Stage-1 image-to-text retrieval as {@link #retrievalAtOne(Path, ShapesWorld, int)}, of degraded pictures: shows
     * whether the vision side still tells the caption apart, before any codebook or language model.
     *
     * @param stage1Dir the stage-1 folder
     * @param test held-out world
     * @param n candidates (and queries)
     * @param degradation applied at its test strength to the query pictures, or null for the rendered pictures
     * @return pictures whose best caption is their own caption's text
     */
    public static Share retrievalAtOne(Path stage1Dir, ShapesWorld test, int n, Degradation degradation) {
        TokenizerConfig config = TokenizerConfig.read(stage1Dir.resolve(TokenizerConfig.FILE_NAME));
        ImagePreprocessor preprocessor = MiniSeedFiles.preprocessor(config);
        List<String> captions = new ArrayList<>();
        List<BufferedImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ShapeSample s = test.sample(i);
            captions.add(s.caption());
            images.add(degradation == null ? s.image() : degradation.test(s.image(), i));
        }
        try (NDManager manager = NDManager.newBaseManager();
                BertWordPieceTokenizer text = MiniSeedFiles.stage1TextTokenizer(stage1Dir)) {
            Stage1Network network = new Stage1Network(config, MiniSeedFiles.stage1Options(text));
            TokenizerTraining.load(network, stage1Dir, config, Set.of(), manager);
            float[] sim = Gradients.withoutGrad(() -> {
                TokenizedText tokens = text.encode(captions, MiniSeedFiles.MAX_TEXT_LENGTH);
                Stage1Network.Output out = network.forward(preprocessor.preprocess(images, manager),
                        tokens.inputIdsArray(manager), tokens.attentionMaskArray(manager));
                NDArray img = normalize(out.stages().get("vision_proj_last")); // [N, E]
                NDArray txt = normalize(out.stages().get("text_proj")); // [N, E]
                return img.matMul(txt.transpose()).toFloatArray(); // [N, N]
            });
            int hits = 0;
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int j = 1; j < n; j++) {
                    if (sim[i * n + j] > sim[i * n + best]) {
                        best = j;
                    }
                }
                if (captions.get(best).equals(captions.get(i))) {
                    hits++;
                } else if (failures.size() < 10) {
                    failures.add("'" + captions.get(i) + "' retrieved '" + captions.get(best) + "'");
                }
            }
            return new Share(hits, n, failures);
        }
    }

    private static NDArray normalize(NDArray x) {
        return x.div(x.square().sum(new int[] {-1}, true).sqrt().maximum(1e-12f));
    }
}
