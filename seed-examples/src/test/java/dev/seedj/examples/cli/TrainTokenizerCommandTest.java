package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.train.BertWordPieceTokenizer;
import dev.seedj.core.weights.StateDict;
import dev.seedj.examples.mini.MiniSeedFiles;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.tokenizer.train.Stage1Options;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainTokenizerCommandTest {

    @Test
    void stage1TrainsTwoStepsAndWritesTheModel(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        ShapesWorld.train(7).writeDataset(data, 4);
        Path vocab = Files.write(dir.resolve("vocab.txt"), List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a",
                "small", "large", "red", "green", "blue", "yellow", "purple", "orange", "circle", "square", "triangle",
                "on", "white", "black", "background"));
        Path model = startingModel(dir.resolve("start"));
        Path out = dir.resolve("out");
        Path config = Files.writeString(dir.resolve("train.json"), "{\"learning_rate\": 1e-4, \"total_steps\": 2, "
                + "\"batch_size\": 2, \"checkpoint_every\": 0, \"log_every\": 1, \"output_dir\": \""
                + out.toString().replace("\\", "\\\\") + "\"}");

        CliRun run = CliRun.of("train-tokenizer", "--stage", "1", "--config", config.toString(), "--model",
                model.toString(), "--data", data.toString(), "--text-tokenizer", vocab.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals(List.of(out + "\t2 steps"), run.outLines());
        assertTrue(Files.isRegularFile(out.resolve("seed-tokenizer.json")));
        try (StateDict trained = StateDict.open(out.resolve("model.safetensors"))) {
            assertTrue(trained.keys().contains("temp"), "the contrastive temperature was trained and saved");
            assertTrue(trained.keys().contains("Qformer.bert.encoder.layer.0.attention.self.query.weight"));
        }
    }

    @Test
    void badTrainingInputFailsWithOneLine(@TempDir Path dir) throws Exception {
        Path model = startingModel(dir.resolve("start"));
        Path config = Files.writeString(dir.resolve("train.json"), "{}");
        CliRun noConfig = CliRun.of("train-tokenizer", "--stage", "1", "--config", "nothing.json", "--model",
                model.toString(), "--data", dir.toString());
        assertEquals(SeedCli.EXIT_FAILURE, noConfig.status());
        assertEquals(List.of("seed train-tokenizer: config file nothing.json does not exist"), noConfig.errLines());

        CliRun badStage = CliRun.of("train-tokenizer", "--stage", "3", "--config", config.toString(), "--model",
                model.toString(), "--data", dir.toString());
        assertEquals(SeedCli.EXIT_FAILURE, badStage.status());
        assertEquals(1, badStage.errLines().size(), badStage.err());
    }

    @Test
    void seedMiniStage1KeepsItsOwnSizesAndTextTokenizer(@TempDir Path dir) throws Exception {
        Path stage1 = new DefaultModels(Path.of(""), java.util.Map.of()).tokenizer().getParent().resolve("stage1");
        int rows = Files.readAllLines(stage1.resolve("vocab.txt")).size() + 1; // + [DEC]
        Stage1Options own = Stage1Options.forModel(stage1, rows);
        try (BertWordPieceTokenizer text = MiniSeedFiles.stage1TextTokenizer(stage1)) {
            Stage1Options recipe = MiniSeedFiles.stage1Options(text); // what SEED-mini was trained with
            assertEquals(recipe.vocabSize(), own.vocabSize());
            assertEquals(recipe.maxPositions(), own.maxPositions());
            assertEquals(recipe.embedDim(), own.embedDim());
        }

        Path vocab = Files.write(dir.resolve("vocab.txt"), List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"));
        Path config = Files.writeString(dir.resolve("train.json"), "{\"learning_rate\": 1e-4, \"total_steps\": 1, "
                + "\"batch_size\": 2, \"output_dir\": \"unused\"}");
        CliRun wrongText = CliRun.of("train-tokenizer", "--stage", "1", "--config", config.toString(), "--model",
                stage1.toString(), "--data", dir.toString(), "--text-tokenizer", vocab.toString(), "--output-dir",
                dir.resolve("out").toString());
        assertEquals(SeedCli.EXIT_FAILURE, wrongText.status());
        assertEquals(List.of("seed train-tokenizer: the weights of " + stage1 + " have " + rows + " word-embedding rows but the"
                + " text tokenizer gives 7 ([DEC] included): use the text tokenizer the model was trained with"),
                wrongText.errLines());
    }

    /** The demo model's config with its weights file named by absolute path. */
    private static Path startingModel(Path dir) throws Exception {
        Path demo = OracleCases.demoModel();
        JsonObject config = JsonParser.parseString(Files.readString(demo.resolve("seed-tokenizer.json"))).getAsJsonObject();
        JsonObject weights = new JsonObject();
        weights.addProperty("file", demo.resolve("weights.safetensors").toAbsolutePath().toString());
        JsonArray list = new JsonArray();
        list.add(weights);
        config.add("weights", list);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("seed-tokenizer.json"), config.toString());
        return dir;
    }
}
