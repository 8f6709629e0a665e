package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.seedj.core.config.ConfigException;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.Generator;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance 6: bad input gives a clear exception naming the problem. */
class BadInputTest {
    private static OptModel model;
    private static NDManager nd;

    @BeforeAll
    static void open() {
        model = TinyModels.random(TinyModels.opt125mShaped(300), 1);
        nd = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        model.close();
        nd.close();
    }

    private static void assertMessage(Class<? extends Throwable> type, Executable call, String... fragments) {
        Throwable e = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' names '" + f + "'");
        }
    }

    @Test
    void idsOutsideTheVocabulary() {
        assertMessage(IllegalArgumentException.class, () -> model.logits(new long[][] {{2, 300}}, null, nd),
                "token id 300", "[0][1]", "vocabulary [0, 300)");
        assertMessage(IllegalArgumentException.class, () -> model.logits(new long[][] {{-1}}, null, nd), "token id -1");
        assertMessage(IllegalArgumentException.class,
                () -> new Generator(model).generate(new long[][] {{2, 999}}, null, GenerationConfig.greedy(3), null),
                "token id 999");
    }

    @Test
    void promptLongerThanThePositionTable() {
        long[][] ids = {new long[41]};
        assertMessage(IllegalArgumentException.class, () -> model.logits(ids, null, nd),
                "41 tokens", "max_position_embeddings = 40");
        long[][] fits = {new long[38]};
        assertMessage(IllegalArgumentException.class,
                () -> new Generator(model).generate(fits, null, GenerationConfig.greedy(3), null),
                "38 tokens", "max_position_embeddings = 40");
    }

    @Test
    void malformedShapesAndMasks() {
        assertMessage(IllegalArgumentException.class, () -> model.logits(new long[][] {{2, 3}, {2}}, null, nd),
                "row 1", "padded");
        assertMessage(IllegalArgumentException.class, () -> model.logits(new long[][] {{2, 3}}, new long[][] {{1, 2}}, nd),
                "0 or 1");
        assertMessage(IllegalArgumentException.class, () -> model.logits(new long[][] {{2, 3}}, new long[][] {{1}}, nd),
                "attention mask row 0");
        assertMessage(IllegalArgumentException.class, () -> model.logits(new long[0][], null, nd), "non-empty");
    }

    @Test
    void missingConfigFieldsAreNamed(@TempDir Path dir) throws Exception {
        String text = Files.readString(OptFixtureDir.config());
        for (String field : List.of("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "ffn_dim",
                "max_position_embeddings", "word_embed_proj_dim", "do_layer_norm_before", "activation_function")) {
            JsonObject o = JsonParser.parseString(text).getAsJsonObject();
            o.remove(field);
            assertMessage(ConfigException.class, () -> OptConfig.parse(o.toString()), "$." + field + ": missing");
        }
        JsonObject o = JsonParser.parseString(text).getAsJsonObject();
        o.remove("hidden_size");
        Files.writeString(dir.resolve("config.json"), o.toString());
        assertMessage(IllegalArgumentException.class, () -> OptModel.load(dir), "hidden_size", "config.json");
        JsonObject bad = JsonParser.parseString(text).getAsJsonObject();
        bad.addProperty("num_attention_heads", 5);
        assertMessage(ConfigException.class, () -> OptConfig.parse(bad.toString()), "$.num_attention_heads", "do not divide");
        JsonObject act = JsonParser.parseString(text).getAsJsonObject();
        act.addProperty("activation_function", "swish");
        assertMessage(ConfigException.class, () -> OptConfig.parse(act.toString()), "$.activation_function", "swish");
    }

    @Test
    void weightsForAnotherConfig(@TempDir Path dir) throws Exception {
        JsonObject o = JsonParser.parseString(Files.readString(OptFixtureDir.config())).getAsJsonObject();
        o.addProperty("ffn_dim", 128);
        Path weights = OptFixtureDir.config().getParent().resolve("model.safetensors");
        Files.writeString(dir.resolve("config.json"), o.toString());
        Files.copy(weights, dir.resolve("model.safetensors"));
        assertMessage(RuntimeException.class, () -> OptModel.load(dir), "fc1.weight", "[256, 64]");
    }

    @Test
    void adapterForAnotherShape() {
        try (OptModel wide = TinyModels.random(OptConfig.builder().vocabSize(300).hiddenSize(48)
                        .numLayers(2).numHeads(4).ffnDim(64).maxPositions(40).build(), 2);
                LoraAdapter forWide = TinyModels.adapter(wide, List.of("q_proj"), false, 3)) {
            assertMessage(IllegalArgumentException.class, () -> model.withAdapter(forWide),
                    "base_model.model.model.decoder.layers.0.self_attn.q_proj.lora_A.weight", "(4, 48)", "(4, 32)");
        }
        try (OptModel bigger = TinyModels.random(TinyModels.opt125mShaped(310), 4);
                LoraAdapter embed = TinyModels.adapter(bigger, List.of("q_proj"), true, 5)) {
            assertMessage(IllegalArgumentException.class, () -> model.withAdapter(embed),
                    "embed_tokens.weight", "resizeTokenEmbeddings(310)");
        }
    }

    @Test
    void adapterTensorsMustMatchItsConfig() {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("base_model.model.model.decoder.layers.0.self_attn.q_proj.lora_A.weight", nd.zeros(new Shape(4, 32)));
        LoraConfig q = LoraConfig.of(4, 8, List.of("q_proj"), List.of());
        try (LoraAdapter missing = LoraAdapter.of(q, tensors)) {
            assertMessage(IllegalArgumentException.class, () -> model.withAdapter(missing), "lora_B.weight");
        }
        tensors.put("base_model.model.model.decoder.layers.7.self_attn.k_proj.lora_A.weight", nd.zeros(new Shape(4, 32)));
        try (LoraAdapter extra = LoraAdapter.of(q, tensors)) {
            assertMessage(IllegalArgumentException.class, () -> model.withAdapter(extra), "layers.7.self_attn.k_proj");
        }
        Map<String, NDArray> unknown = Map.of("base_model.model.model.decoder.nonsense.weight", nd.zeros(new Shape(2)));
        try (LoraAdapter bad = LoraAdapter.of(LoraConfig.of(4, 8, List.of("q_proj"), List.of()), unknown)) {
            assertMessage(IllegalArgumentException.class, () -> model.withAdapter(bad), "nonsense", "matches no parameter");
        }
        assertMessage(IllegalArgumentException.class, () -> LoraAdapter.of(q,
                Map.of("base_model.model.model.decoder.embed_tokens.lora_embedding_A", nd.zeros(new Shape(2)))),
                "lora_embedding_A");
        assertMessage(IllegalArgumentException.class, () -> LoraAdapter.of(q,
                Map.of("model.decoder.layers.0.fc1.lora_A.weight", nd.zeros(new Shape(2)))), "base_model.model.");
        try (LoraAdapter noEmbed = LoraAdapter.of(LoraConfig.of(4, 8, List.of("q_proj"), List.of("embed_tokens")), Map.of())) {
            assertMessage(IllegalArgumentException.class, () -> model.withAdapter(noEmbed), "modules_to_save", "embed_tokens");
        }
        try (LoraAdapter embedOnly = TinyModels.adapter(model, List.of("q_proj"), true, 10);
                LoraAdapter noHead = LoraAdapter.of(LoraConfig.of(4, 8, List.of("q_proj"), List.of("embed_tokens", "lm_head")),
                        Map.of(LoraAdapter.KEY_PREFIX + "model.decoder.embed_tokens.weight",
                                embedOnly.get(LoraAdapter.KEY_PREFIX + "model.decoder.embed_tokens.weight")))) {
            assertMessage(IllegalArgumentException.class, () -> model.withAdapter(noHead), "modules_to_save", "'lm_head'");
        }
    }

    @Test
    void unsupportedAdapterFeaturesAreRefusedByName() {
        LoraConfig base = LoraConfig.of(4, 8, List.of("q_proj"), List.of());
        assertMessage(IllegalArgumentException.class, () -> base.with("use_dora", new JsonPrimitive(true)), "use_dora");
        assertMessage(IllegalArgumentException.class, () -> base.with("bias", new JsonPrimitive("all")), "$.bias: 'all'");
        assertMessage(IllegalArgumentException.class, () -> base.with("fan_in_fan_out", new JsonPrimitive(true)),
                "fan_in_fan_out");
        assertMessage(IllegalArgumentException.class, () -> base.with("peft_type", new JsonPrimitive("IA3")), "IA3");
        assertMessage(IllegalArgumentException.class, () -> base.with("init_lora_weights", new JsonPrimitive("pissa")),
                "pissa");
        assertMessage(IllegalArgumentException.class, () -> base.with("task_type", new JsonPrimitive("SEQ_CLS")), "SEQ_CLS");
        JsonObject variant = new JsonObject();
        variant.addProperty("x", 1);
        assertMessage(IllegalArgumentException.class, () -> base.with("velora_config", variant), "velora_config");
        // lora_dropout is fine at inference
        base.with("lora_dropout", new JsonPrimitive(0.3));
        for (String target : List.of("embed_tokens", "lm_head", "self_attn_layer_norm", "self_attn")) {
            try (LoraAdapter a = LoraAdapter.of(LoraConfig.of(4, 8, List.of(target), List.of()), Map.of())) {
                assertMessage(IllegalArgumentException.class, () -> model.withAdapter(a), target, "q_proj, k_proj");
            }
        }
        try (OptModel m350 = TinyModels.random(TinyModels.opt350mShaped(300), 6);
                LoraAdapter all = LoraAdapter.of(base.with("target_modules", new JsonPrimitive("all-linear")), Map.of())) {
            assertMessage(IllegalArgumentException.class, () -> m350.withAdapter(all), "project_out");
        }
        try (LoraAdapter none = LoraAdapter.of(LoraConfig.of(4, 8, List.of("w_pack"), List.of()), Map.of())) {
            assertMessage(IllegalArgumentException.class, () -> model.withAdapter(none), "match no module");
        }
    }

    @Test
    void missingAdapterFilesAndClosedModels(@TempDir Path dir) throws Exception {
        assertMessage(UncheckedIOException.class, () -> LoraAdapter.load(dir), "adapter_config.json");
        Files.writeString(dir.resolve("adapter_config.json"), LoraConfig.of(4, 8, List.of("q_proj"), List.of()).toJson().toString());
        assertMessage(UncheckedIOException.class, () -> LoraAdapter.load(dir), "adapter_model.safetensors");
        OptModel closed = TinyModels.random(TinyModels.opt125mShaped(300), 7);
        closed.close();
        assertMessage(IllegalStateException.class, () -> closed.logits(new long[][] {{2}}, null, nd), "closed");
    }

    @Test
    void resizeWhileDerivedModelsAreOpenIsRefused() {
        try (OptModel m = TinyModels.random(TinyModels.opt125mShaped(300), 8);
                LoraAdapter a = TinyModels.adapter(m, List.of("q_proj"), false, 9);
                OptModel adapted = m.withAdapter(a)) {
            assertMessage(IllegalStateException.class, () -> m.resizeTokenEmbeddings(400), "derived");
            assertMessage(IllegalStateException.class, () -> adapted.withAdapter(a), "already carries an adapter");
            assertMessage(IllegalStateException.class, () -> adapted.save(Path.of("unused")), "unmerged adapter");
        }
    }

    /** The opt-tiny config file. */
    private static final class OptFixtureDir {
        static Path config() {
            return dev.seedj.core.testing.Oracle.path("opt-tiny", "config.json");
        }
    }
}
