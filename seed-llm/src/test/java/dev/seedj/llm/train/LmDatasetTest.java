package dev.seedj.llm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.llm.text.TinyByteLevelBpe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSONL formats of LoRA training data, batching, and the errors bad data and specs give. */
class LmDatasetTest {
    private static final long I = LmExample.IGNORE;

    @Test
    void textExamplesAreBosPromptTargetEosWithTheLossOnTheTarget(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("d.jsonl");
        String image = Vocabulary.imageText(new int[] {7, 8191});
        Files.writeString(data, "{\"prompt\": \"a cat" + image + "\", \"target\": \" cat\"}\n\n",
                StandardCharsets.UTF_8);
        try (TextTokenizer t = TextTokenizer.load(TinyByteLevelBpe.write(dir))) {
            List<LmExample> examples = LmDataset.read(data, t, 2, 128);
            assertEquals(1, examples.size());
            Vocabulary v = t.imageVocabulary();
            long a = t.tokenId("a");
            assertArrayEquals(new long[] {2, a, 262, v.boiId(), v.tokenId(7), v.tokenId(8191), v.eoiId(), 262, 2},
                    examples.get(0).inputIds());
            assertArrayEquals(new long[] {I, I, I, I, I, I, I, 262, 2}, examples.get(0).labels());
        }
    }

    @Test
    void preTokenizedFormsAreTakenVerbatim(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"prompt_ids\": [2, 5], \"target_ids\": [9, 2]}\n"
                + "{\"input_ids\": [2, 5, 6], \"labels\": [-100, 5, -100]}\n", StandardCharsets.UTF_8);
        List<LmExample> examples = LmDataset.read(data, null, 2, 128);
        assertArrayEquals(new long[] {2, 5, 9, 2}, examples.get(0).inputIds());
        assertArrayEquals(new long[] {I, I, 9, 2}, examples.get(0).labels());
        assertArrayEquals(new long[] {I, 5, I}, examples.get(1).labels());

        LmBatch batch = LmBatch.collate(examples, 1);
        assertArrayEquals(new long[] {2, 5, 6, 1}, batch.inputIds()[1]);
        assertArrayEquals(new long[] {1, 1, 1, 0}, batch.attentionMask()[1]);
        assertArrayEquals(new long[] {I, 5, I, I}, batch.labels()[1]);
        assertEquals(3, batch.targetCount());
    }

    @Test
    void badLinesAreReportedWithTheirLineNumber(@TempDir Path dir) throws IOException {
        assertBad(dir, "{\"prompt_ids\": [2], \"target_ids\": [9]}\n{\"caption\": \"x\"}\n", "line 2", "prompt");
        assertBad(dir, "{\"prompt\": \"a\", \"target\": \"b\"}\n", "line 1", "tokenizer");
        assertBad(dir, "{\"input_ids\": [2, 5], \"labels\": [-100, -100]}\n", "line 1", "no target token");
        assertBad(dir, "{\"input_ids\": [2, 5], \"labels\": [5]}\n", "line 1", "2 input ids but 1 labels");
        assertBad(dir, "{\"prompt_ids\": [2, 1.5], \"target_ids\": [9]}\n", "line 1", "not an integer");
        assertBad(dir, "{\"prompt_ids\" [2]}\n", "line 1", "not valid JSON");
        assertBad(dir, "{\"prompt_ids\": [2, 3, 4], \"target_ids\": [9]}\n", "line 1", "at most 3");
        assertBad(dir, "not json\n", "line 1", "");
        assertBad(dir, "\n", "d.jsonl", "no example");
    }

    @Test
    void labelsOutsideTheVocabularyAreRefusedBeforeTheForwardPass() {
        try (OptModel model = OptModel.load(Oracle.path("opt-tiny")); NDManager m = NDManager.newBaseManager()) {
            LmBatch batch = LmBatch.collate(List.of(LmExample.promptTarget(new long[] {2, 5}, new long[] {9194})), 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CausalLmLoss.compute(model, batch, m));
            assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
        }
    }

    @Test
    void specsNameTheirProblems() {
        String training = "\"training\": {\"learning_rate\": 0.001, \"total_steps\": 1, \"batch_size\": 1,"
                + " \"output_dir\": \"out\"}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoraTrainingSpec.parse("{\"model\": \"m\", " + training + "}"));
        assertTrue(e.getMessage().contains("\"lora\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoraTrainingSpec.parse("{\"model\": \"m\", \"lorra\": {}, " + training + "}"));
        assertTrue(e.getMessage().contains("lorra"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoraTrainingSpec.parse("{\"model\": \"m\", \"adapter\": \"a\", \"init_seed\": 1.5, "
                        + training + "}"));
        assertTrue(e.getMessage().contains("init_seed"), e.getMessage());
        LoraTrainingSpec spec = LoraTrainingSpec.parse("{\"model\": \"m\", \"lora\": {\"r\": 4, \"lora_alpha\": 8,"
                + " \"target_modules\": [\"q_proj\"], \"modules_to_save\": [\"embed_tokens\"]}, \"vocab_size\": 9200, "
                + training + "}");
        assertEquals(9200, spec.vocabSize());
        assertEquals(0, spec.initSeed());
        assertEquals(Path.of("m"), spec.tokenizer(), "the tokenizer defaults to the model folder");
        assertEquals(2.0f, spec.lora().scaling("model.decoder.layers.0.self_attn.q_proj"));
        assertEquals(List.of("embed_tokens"), spec.lora().modulesToSave());
    }

    private static void assertBad(Path dir, String content, String where, String what) throws IOException {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, content, StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LmDataset.read(data, null, 2, 3));
        assertTrue(e.getMessage().contains(where) && e.getMessage().contains(what), e.getMessage());
        assertTrue(!e.getMessage().contains("LENIENT") && !e.getMessage().contains("https://"),
                "no Gson advice: " + e.getMessage());
    }
}
