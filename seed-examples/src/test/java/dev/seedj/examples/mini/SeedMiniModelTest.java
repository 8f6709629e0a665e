package dev.seedj.examples.mini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.multimodal.SeedOpt;
import dev.seedj.tokenizer.SeedTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed SEED-mini model ({@code models/seed-mini}) on held-out scenes, as {@link SeedMiniEvaluation} measures
 * it for the model card: 200 captions (500 in the model card), 200 generations, 500 pictures for codebook usage,
 * 100 retrieval candidates.
 */
class SeedMiniModelTest {
    private static final Path MODELS = findModels();
    private static final ShapesWorld TEST = ShapesWorld.test(7);

    private static SeedTokenizer tokenizer;
    private static SeedOpt model;
    private static NDManager manager;
    private static PixelDecoder decoder;

    @BeforeAll
    static void load() {
        tokenizer = SeedTokenizer.load(MODELS.resolve("tokenizer"));
        model = SeedOpt.load(MODELS.resolve("llm"), null, tokenizer);
        manager = NDManager.newBaseManager();
        decoder = PixelDecoder.load(MODELS.resolve("tokenizer"), manager);
    }

    @AfterAll
    static void close() {
        model.close();
        tokenizer.close();
        manager.close();
    }

    private static Path findModels() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models/seed-mini");
            if (Files.isDirectory(candidate.resolve("tokenizer"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("models/seed-mini not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void captionsStateAllFourAttributes() {
        MiniMetrics.Share share = MiniMetrics.captionAccuracy(model, TEST, 200);
        assertTrue(share.value() >= 0.95, "captions right: " + share + ", e.g. " + share.failures());
    }

    @Test
    void generatedPicturesShowTheAskedColourAndShape() {
        MiniMetrics.Share share = MiniMetrics.generationAccuracy(model, decoder, TEST, 200);
        assertTrue(share.value() >= 0.85, "pictures right: " + share + ", e.g. " + share.failures());
    }

    @Test
    void testPicturesUseAQuarterOfTheCodebook() {
        MiniMetrics.Share usage = MiniMetrics.codebookUsage(tokenizer, TEST, 500);
        assertEquals(tokenizer.config().codebook().size(), usage.total());
        assertTrue(usage.value() >= 0.25, "codebook usage " + usage);
    }

    @Test
    void stageOneRetrievesTheRightCaption() {
        MiniMetrics.Share share = MiniMetrics.retrievalAtOne(MODELS.resolve("stage1"), TEST, 100);
        assertTrue(share.value() >= 0.90, "R@1 " + share + ", e.g. " + share.failures());
    }

    @Test
    void loraAdapterAnswersTheColourQuestion() {
        try (SeedOpt tuned = SeedOpt.load(MODELS.resolve("llm"), MODELS.resolve("adapter"), tokenizer)) {
            MiniMetrics.Share share = SeedMiniEvaluation.colourAnswers(tuned, TEST, 50);
            assertTrue(share.value() >= 0.9, "colour answers " + share + ", e.g. " + share.failures());
        }
    }

    @Test
    void modelFilesStayWithinTwentyFiveMegabytes() throws Exception {
        long bytes;
        try (var files = Files.walk(MODELS)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        assertTrue(bytes <= 25L * 1024 * 1024, "models/seed-mini holds " + bytes + " bytes");
    }
}
