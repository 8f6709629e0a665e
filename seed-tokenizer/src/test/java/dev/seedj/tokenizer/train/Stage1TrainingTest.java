package dev.seedj.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.train.BertWordPieceTokenizer;
import dev.seedj.core.train.TrainableParameter;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLoop;
import dev.seedj.core.train.TrainingRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stage 1 on a small random model: the contrastive loss falls; the vision encoder trains only when asked. */
class Stage1TrainingTest {
    private static final Logger LOG = LoggerFactory.getLogger(Stage1TrainingTest.class);
    static final String VOCAB = String.join("\n", "[PAD]", "[UNK]", "[CLS]", "[SEP]", "caption", "0", "1", "2", "3",
            "4", "5", "6", "7") + "\n";

    static BertWordPieceTokenizer tokenizer(Path dir) throws IOException {
        Path vocab = dir.resolve("vocab.txt");
        Files.writeString(vocab, VOCAB);
        return BertWordPieceTokenizer.fromVocab(vocab, true, List.of("[DEC]"));
    }

    /** @return options for the 14-id test vocabulary */
    static Stage1Options options14() {
        return options(false);
    }

    private static Stage1Options options(boolean trainVision) {
        // the clamp keeps temp > 0 at this test's large learning rate (unclamped, it crosses 0 after ~60 steps)
        return new Stage1Options(14, 16, 12, 8, 0.1, trainVision, true);
    }

    private static List<TrainingRecord> train(Stage1Network network, BertWordPieceTokenizer tokenizer, Path out,
            long steps) {
        TrainingConfig config = TrainingConfig.builder(2e-3, steps, 4, out).schedule(TrainingConfig.Schedule.CONSTANT)
                .checkpointEvery(0).logEvery(50).seed(3).build();
        try (TrainingLoop<TokenizerBatch> loop = TrainingLoop.<TokenizerBatch>builder(config)
                .parameters(TrainableParameter.lavisGroups(network.trainableParameters()))
                .data(new SyntheticData(4, 5))
                .step(new Stage1Step(network, tokenizer))
                .optProgressBar(false)
                .build()) {
            loop.run();
            return loop.log().records();
        }
    }

    @Test
    void twoHundredStepsLowerTheContrastiveLossAndTrainTheTemperature(@TempDir Path tmp) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); BertWordPieceTokenizer tokenizer = tokenizer(tmp)) {
            Engine.getInstance().setRandomSeed(11);
            Stage1Network network = new Stage1Network(SyntheticData.config(), options(false));
            SyntheticData.initialize(network, manager);
            float[] vision = network.namedParameters().get("visual_encoder.blocks.0.attn.qkv.weight").getArray()
                    .toFloatArray();
            assertEquals(0.07f, network.temperature().getArray().getFloat(), 0f);
            List<TrainingRecord> records = train(network, tokenizer, tmp.resolve("run"), 200);
            double first = 0;
            double last = 0;
            for (int i = 0; i < 10; i++) {
                first += records.get(i).losses().get("itc") / 10;
                last += records.get(190 + i).losses().get("itc") / 10;
            }
            LOG.info("itc {} -> {}, temp {}", first, last, records.get(199).losses().get("temp"));
            assertTrue(last < 0.6 * first, "itc " + first + " -> " + last);
            assertNotEquals(0.07, records.get(199).losses().get("temp"), 1e-4);
            assertArrayEquals(vision, network.namedParameters().get("visual_encoder.blocks.0.attn.qkv.weight")
                    .getArray().toFloatArray(), "the frozen vision encoder does not change");
        }
    }

    @Test
    void theVisionEncoderTrainsWhenAsked(@TempDir Path tmp) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); BertWordPieceTokenizer tokenizer = tokenizer(tmp)) {
            Engine.getInstance().setRandomSeed(11);
            Stage1Network network = new Stage1Network(SyntheticData.config(), options(true));
            SyntheticData.initialize(network, manager);
            assertTrue(network.trainableParameters().containsKey("visual_encoder.patch_embed.proj.weight"));
            float[] vision = network.namedParameters().get("visual_encoder.blocks.0.attn.qkv.weight").getArray()
                    .toFloatArray();
            train(network, tokenizer, tmp.resolve("run"), 3);
            float[] after = network.namedParameters().get("visual_encoder.blocks.0.attn.qkv.weight").getArray()
                    .toFloatArray();
            assertTrue(TrainingFixture.maxDiff(vision, after) > 1e-3, "the vision encoder moved");
        }
    }

    @Test
    void aVocabularyLargerThanTheWordEmbeddingIsRejected(@TempDir Path tmp) throws IOException {
        try (BertWordPieceTokenizer tokenizer = tokenizer(tmp)) {
            Stage1Network network = new Stage1Network(SyntheticData.config(), new Stage1Options(10, 16, 12, 8, 0.1,
                    false, false));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Stage1Step(network, tokenizer));
            assertTrue(e.getMessage().contains("14 tokens"), e.getMessage());
        }
    }
}
