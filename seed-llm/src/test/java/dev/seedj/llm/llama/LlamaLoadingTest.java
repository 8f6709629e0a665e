package dev.seedj.llm.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import dev.seedj.llm.LlmDtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance 2 (memory refusal) and 4 (bad input), and sharded safetensors. */
class LlamaLoadingTest {
    private static final String INDEX = "pytorch_model.bin.index.json";
    private static final String SHARD1 = "pytorch_model-00001-of-00002.bin";
    private static final String SHARD2 = "pytorch_model-00002-of-00002.bin";
    private static final long GIB = 1L << 30;

    private static LlamaFixture fx;
    private static LlamaModel reference;

    @BeforeAll
    static void open() {
        fx = new LlamaFixture();
        reference = LlamaModel.load(fx.dir);
    }

    @AfterAll
    static void close() {
        reference.close();
        fx.close();
    }

    private static float[] batchLogits(LlamaModel m) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return m.logits(fx.longs2d("batch.input_ids"), fx.longs2d("batch.attention_mask"), manager).toFloatArray();
        }
    }

    @Test
    void shardedSafetensorsWithAnIndexLoadShardByShard(@TempDir Path tmp) throws IOException {
        // three shards, split across layers as save_pretrained(max_shard_size=...) does, float16 in the last one
        Map<String, String> weightMap = new LinkedHashMap<>();
        try (StateDict all = StateDict.open(fx.dir.resolve("model.safetensors"));
                NDManager manager = NDManager.newBaseManager()) {
            List<String> keys = List.copyOf(all.keys());
            for (int s = 0; s < 3; s++) {
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                String name = String.format("model-%05d-of-00003.safetensors", s + 1);
                for (int i = s; i < keys.size(); i += 3) {
                    tensors.put(keys.get(i), all.get(keys.get(i), manager));
                    weightMap.put(keys.get(i), name);
                }
                new SafetensorsWriter().withFloat16(s == 2).write(tmp.resolve(name), tensors);
            }
        }
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        weightMap.forEach((k, v) -> index.append('"').append(k).append("\": \"").append(v).append("\","));
        index.setLength(index.length() - 1);
        Files.writeString(tmp.resolve("model.safetensors.index.json"), index + "}}");
        Files.writeString(tmp.resolve("config.json"), fx.config());
        try (LlamaModel m = LlamaModel.load(tmp)) {
            float[] expected = batchLogits(reference);
            float[] actual = batchLogits(m);
            // a third of the tensors went through float16: close to the float32 logits, not equal
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
            assertTrue(worst > 0 && worst < 0.05, "max |diff| " + worst);
        }
    }

    @Test
    void aShardMissingFromTheDirectoryIsNamed(@TempDir Path tmp) {
        Path dir = LlamaFixture.view(tmp, fx.dir, fx.config(), INDEX, SHARD1);
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaModel.load(dir));
        assertTrue(e.getMessage().contains(SHARD2) && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void aKeyTheIndexPutsInTheWrongShardIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = LlamaFixture.view(tmp, fx.dir, fx.config(), SHARD1, SHARD2);
        String index = Files.readString(fx.dir.resolve(INDEX));
        String key = "\"model.norm.weight\": \"";
        int at = index.indexOf(key) + key.length();
        String shard = index.substring(at, index.indexOf('"', at));
        String other = shard.equals(SHARD1) ? SHARD2 : SHARD1;
        Files.writeString(dir.resolve(INDEX), index.replace(key + shard, key + other));
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaModel.load(dir));
        assertTrue(e.getMessage().contains("model.norm.weight") && e.getMessage().contains(other), e.getMessage());
    }

    @Test
    void aKeyMissingFromTheIndexIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = LlamaFixture.view(tmp, fx.dir, fx.config(), SHARD1, SHARD2);
        String index = Files.readString(fx.dir.resolve(INDEX));
        Files.writeString(dir.resolve(INDEX), index.replaceAll("\"lm_head\\.weight\": \"[^\"]+\",?", ""));
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaModel.load(dir));
        assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
    }

    @Test
    void aConfigWithMoreLayersThanTheWeightsNamesTheMissingKeys(@TempDir Path tmp) {
        String config = fx.config().replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
        Path dir = LlamaFixture.view(tmp, fx.dir, config, "model.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaModel.load(dir));
        assertTrue(e.getMessage().contains("model.layers.2.self_attn.q_proj.weight"), e.getMessage());
    }

    @Test
    void aShapeMismatchNamesTheKeyAndTheFile(@TempDir Path tmp) {
        String config = fx.config().replace("\"intermediate_size\": 176", "\"intermediate_size\": 172");
        Path dir = LlamaFixture.view(tmp, fx.dir, config, INDEX, SHARD1, SHARD2);
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaModel.load(dir));
        assertTrue(e.getMessage().contains("mlp.") && e.getMessage().contains("172")
                && e.getMessage().contains("intermediate_size") && e.getMessage().contains(".bin"), e.getMessage());
    }

    @Test
    void aVocabularyMismatchNamesTheEmbeddings(@TempDir Path tmp) {
        String config = fx.config().replace("\"vocab_size\": 8514", "\"vocab_size\": 32000");
        Path dir = LlamaFixture.view(tmp, fx.dir, config, "model.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaModel.load(dir));
        assertTrue(e.getMessage().contains("vocab_size") && e.getMessage().contains("8514")
                && e.getMessage().contains("32000"), e.getMessage());
    }

    @Test
    void aDirectoryWithoutWeightsSaysWhatItLookedFor(@TempDir Path tmp) {
        Path dir = LlamaFixture.view(tmp, fx.dir, fx.config());
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaModel.load(dir));
        assertTrue(e.getMessage().contains("pytorch_model.bin.index.json"), e.getMessage());
    }

    @Test
    void aCorruptShardIsReportedBeforeAnyWeightIsKept(@TempDir Path tmp) throws IOException {
        Path dir = LlamaFixture.view(tmp, fx.dir, fx.config(), INDEX, SHARD1);
        byte[] bytes = Files.readAllBytes(fx.dir.resolve(SHARD2));
        Files.write(dir.resolve(SHARD2), java.util.Arrays.copyOf(bytes, bytes.length / 2)); // truncated
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaModel.load(dir));
        assertTrue(e.getMessage().contains(SHARD2), e.getMessage());
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRejected() {
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> reference.logits(new long[][] {{1, 8514}}, null, manager));
            assertTrue(e.getMessage().contains("8514"), e.getMessage());
        }
    }

    /** LLaMA-2 13B shapes with SEED-LLaMA 14B's vocabulary. */
    private static LlamaConfig config13b() {
        return LlamaConfig.parse("{\"hidden_size\": 5120, \"intermediate_size\": 13824, \"num_hidden_layers\": 40,"
                + " \"num_attention_heads\": 40, \"rms_norm_eps\": 1e-5, \"max_position_embeddings\": 4096,"
                + " \"vocab_size\": 40194, \"pretraining_tp\": 2, \"torch_dtype\": \"float16\"}");
    }

    /** LLaMA-7B shapes with SEED-LLaMA 8B's vocabulary. */
    static LlamaConfig config7b() {
        return LlamaConfig.parse("{\"hidden_size\": 4096, \"intermediate_size\": 11008, \"num_hidden_layers\": 32,"
                + " \"num_attention_heads\": 32, \"rms_norm_eps\": 1e-6, \"max_position_embeddings\": 2048,"
                + " \"vocab_size\": 40194, \"torch_dtype\": \"float16\"}");
    }

    @Test
    void parameterCountsAreThoseOfTheReleasedShapes() {
        // LLaMA-7B has 6,738,415,616 parameters with 32000 tokens; 8194 more rows in embed_tokens and lm_head
        assertTrue(config7b().parameterCount() == 6_738_415_616L + 2L * 8194 * 4096);
        // LLaMA-2-13B has 13,015,864,320 with 32000 tokens
        assertTrue(config13b().parameterCount() == 13_015_864_320L + 2L * 8194 * 5120);
    }

    @Test
    void a13bConfigIsRefusedUpFrontOn24GigabytesIn32And16BitsButFitsInInt8() {
        for (LlmDtype type : new LlmDtype[] {LlmDtype.FLOAT32, LlmDtype.BFLOAT16}) {
            ModelDoesNotFitException e = assertThrows(ModelDoesNotFitException.class,
                    () -> MemoryFit.check(config13b(), type, 24 * GIB));
            assertTrue(e.requiredBytes() > 24 * GIB && e.availableBytes() == 24 * GIB);
            assertTrue(e.getMessage().contains("24.0 GiB") && e.getMessage().contains("configured limit"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("with int8 weights") && e.getMessage().contains("14.3 GiB"),
                    e.getMessage());
        }
        assertDoesNotThrow(() -> MemoryFit.check(config13b(), LlmDtype.INT8, 24 * GIB));
        assertDoesNotThrow(() -> MemoryFit.check(config7b(), LlmDtype.BFLOAT16, 24 * GIB));
        assertThrows(ModelDoesNotFitException.class, () -> MemoryFit.check(config7b(), LlmDtype.FLOAT32, 24 * GIB));
        ModelDoesNotFitException tooSmall = assertThrows(ModelDoesNotFitException.class,
                () -> MemoryFit.check(config13b(), LlmDtype.INT8, 8 * GIB));
        assertTrue(tooSmall.getMessage().contains("needs more memory"), tooSmall.getMessage());
    }

    @Test
    void loadRefusesBeforeLookingForWeights(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("config.json"), "{\"hidden_size\": 5120, \"intermediate_size\": 13824,"
                + " \"num_hidden_layers\": 40, \"num_attention_heads\": 40, \"rms_norm_eps\": 1e-5,"
                + " \"max_position_embeddings\": 4096, \"vocab_size\": 40194}");
        ModelDoesNotFitException e = assertThrows(ModelDoesNotFitException.class,
                () -> LlamaModel.load(tmp, LlamaLoadOptions.defaults().withMemoryLimit(24 * GIB)));
        assertTrue(e.getMessage().contains("GiB"), e.getMessage());
    }

    @Test
    void anUnknownDtypeIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlmDtype.parse("int32"));
        assertTrue(e.getMessage().contains("int32") && e.getMessage().contains("int8"), e.getMessage());
        assertEquals(LlmDtype.BFLOAT16, LlmDtype.parse("bf16"));
        assertEquals(LlmDtype.INT8, LlmDtype.parse("INT8"));
        assertEquals(LlmDtype.INT8_DYNAMIC, LlmDtype.parse("int8-dynamic"));
        assertEquals(LlmDtype.INT8_DYNAMIC, LlmDtype.parse("Int8_Dynamic"));
        assertTrue(e.getMessage().contains("int8-dynamic"), e.getMessage());
        assertEquals("bfloat16", LlmDtype.BFLOAT16.configName());
    }
}
