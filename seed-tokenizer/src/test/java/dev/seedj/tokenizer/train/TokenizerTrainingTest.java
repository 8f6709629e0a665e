package dev.seedj.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLog;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The entry points end to end: stage 1 from a vision encoder, stage 2 from the stage-1 output, then tokenizing. */
class TokenizerTrainingTest {

    private static Path dataset(Path dir) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(3);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            BufferedImage image = new BufferedImage(40, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 40; x++) {
                    image.setRGB(x, y, random.nextInt(0xffffff));
                }
            }
            ImageIO.write(image, "png", dir.resolve("img" + i + ".png").toFile());
            jsonl.append("{\"image\": \"img").append(i).append(".png\", \"caption\": \"caption ").append(i)
                    .append("\"}\n");
        }
        Files.writeString(dir.resolve("data.jsonl"), jsonl);
        return dir;
    }

    private static Path targets(Path file) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (int i = 0; i < 8; i++) {
                tensors.put("img" + i + ".png" + FileGenerationTargets.IMAGE_SUFFIX,
                        manager.randomNormal(new ai.djl.ndarray.types.Shape(SyntheticData.IMAGE_DIM)));
                tensors.put("img" + i + ".png" + FileGenerationTargets.TEXT_SUFFIX, manager.randomNormal(
                        new ai.djl.ndarray.types.Shape(SyntheticData.TEXT_TOKENS, SyntheticData.TEXT_DIM)));
            }
            new SafetensorsWriter().write(file, tensors);
        }
        return file;
    }

    private static TrainingConfig config(Path out) {
        return TrainingConfig.builder(1e-3, 4, 4, out).clipNorm(1.0).checkpointEvery(0).logEvery(2).seed(1).build();
    }

    @Test
    void stageOneThenStageTwoWriteAWorkingTokenizer(@TempDir Path tmp) throws IOException {
        TokenizerConfig tiny = SyntheticData.config();
        Path start = Files.createDirectories(tmp.resolve("start"));
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(2);
            Stage1Network network = new Stage1Network(tiny, Stage1TrainingTest.options14());
            SyntheticData.initialize(network, manager);
            TokenizerTraining.export(network, tiny, start);
        }
        Path data = dataset(tmp.resolve("data"));
        Path vocab = tmp.resolve("vocab.txt");
        Files.writeString(vocab, Stage1TrainingTest.VOCAB);

        Path stage1 = tmp.resolve("stage1");
        TrainingLog log1 = TokenizerTraining.stage1(config(stage1), start, data, vocab,
                Stage1TrainingTest.options14());
        assertEquals(4, log1.records().size());
        assertTrue(Files.exists(stage1.resolve("loss.png")));
        assertTrue(Files.exists(stage1.resolve("checkpoints").resolve("step-00000004.safetensors")));

        Path stage2 = tmp.resolve("stage2");
        try (GenerationTargets targets = FileGenerationTargets.open(targets(tmp.resolve("targets.safetensors")))) {
            TrainingLog log2 = TokenizerTraining.stage2(config(stage2), stage1, data, targets, SyntheticData.options());
            assertEquals(4, log2.records().size());
            assertTrue(log2.records().get(3).losses().containsKey("distill_text"));
        }
        try (StateDict one = StateDict.open(stage1.resolve(TokenizerTraining.MODEL_FILE));
                StateDict two = StateDict.open(stage2.resolve(TokenizerTraining.MODEL_FILE))) {
            String frozen = "Qformer.bert.encoder.layer.0.crossattention.self.key.weight";
            assertArrayEquals(one.getFloats(frozen), two.getFloats(frozen), "stage 2 starts from stage 1, frozen");
            assertTrue(two.contains("quantize.embedding.weight") && !one.contains("quantize.embedding.weight"));
        }
        try (SeedTokenizer tokenizer = SeedTokenizer.load(stage2)) {
            int[] codes = tokenizer.tokenize(ImageIO.read(data.resolve("img0.png").toFile()));
            assertEquals(8, codes.length);
            for (int c : codes) {
                assertTrue(c >= 0 && c < 64, "code " + c);
            }
        }
    }

    @Test
    void stageTwoRefusesAModelWithoutTheFrozenParts(@TempDir Path tmp) throws IOException {
        TokenizerConfig tiny = SyntheticData.config();
        Path start = Files.createDirectories(tmp.resolve("start"));
        try (NDManager manager = NDManager.newBaseManager()) {
            new SafetensorsWriter().write(start.resolve("model.safetensors"),
                    Map.of("ln_vision.weight", manager.ones(new ai.djl.ndarray.types.Shape(16))));
        }
        Files.writeString(start.resolve(TokenizerConfig.FILE_NAME), tiny.toJson());
        Path data = dataset(tmp.resolve("data"));
        try (GenerationTargets targets = FileGenerationTargets.open(targets(tmp.resolve("t.safetensors")))) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> TokenizerTraining.stage2(
                    config(tmp.resolve("out")), start, data, targets, SyntheticData.options()));
            assertTrue(e.getMessage().contains("visual_encoder.cls_token"), e.getMessage());
        }
    }
}
