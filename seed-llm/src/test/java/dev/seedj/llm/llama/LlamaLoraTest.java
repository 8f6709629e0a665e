package dev.seedj.llm.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLog;
import dev.seedj.core.train.TrainingRecord;
import dev.seedj.core.weights.StateDict;
import dev.seedj.llm.LlmDtype;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.LoraConfig;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.train.AdapterInit;
import dev.seedj.llm.train.LmExample;
import dev.seedj.llm.train.LoraTraining;
import dev.seedj.llm.train.LoraTrainingSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA on LLaMA in PEFT's layout (issue 16): exact adapter-file keys for the seven projections, a saved and reloaded
 * adapter giving the same logits, merge and in-place merge/unmerge, training through the generic LoRA training code,
 * and adapters made for another model refused with the base model untouched (for LLaMA and OPT).
 */
class LlamaLoraTest {
    private static final List<String> ALL = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
            "down_proj");
    private static final long[][] PROMPTS = {{0, 0, 5, 17, 33, 2, 9}, {4, 8, 15, 16, 23, 42, 7}};
    private static final long[][] MASK = {{0, 0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1}};

    private static LlamaConfig config(int hidden) {
        return LlamaConfig.parse("{\"hidden_size\": " + hidden + ", \"intermediate_size\": 48,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
                + " \"rms_norm_eps\": 1e-5, \"max_position_embeddings\": 64, \"vocab_size\": 50}");
    }

    /** An adapter on every projection with non-zero random factors (so that it changes the logits). */
    private static LoraAdapter randomAdapter(LlamaModel base, List<String> targets, List<String> saved, long seed) {
        LoraConfig lora = LoraConfig.of(4, 8, targets, saved);
        try (LoraAdapter fresh = AdapterInit.initial(base, lora, null, seed);
                NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed((int) seed);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String key : fresh.keys()) {
                NDArray a = fresh.get(key);
                tensors.put(key, key.endsWith(LoraAdapter.LORA_B)
                        ? m.randomNormal(0f, 0.2f, a.getShape(), DataType.FLOAT32) : a);
            }
            return LoraAdapter.of(lora, tensors);
        }
    }

    @Test
    void adapterKeysAreExactlyPeftsForTheSevenProjections() {
        try (LlamaModel base = LlamaModel.random(config(32), 1, Device.cpu());
                LoraAdapter adapter = AdapterInit.initial(base, LoraConfig.of(4, 8, ALL, List.of()), null, 0)) {
            Set<String> expected = new TreeSet<>();
            for (int layer = 0; layer < 2; layer++) {
                for (String p : ALL) {
                    String block = p.endsWith("_proj") && List.of("gate_proj", "up_proj", "down_proj").contains(p)
                            ? "mlp" : "self_attn";
                    for (String f : List.of("lora_A", "lora_B")) {
                        expected.add("base_model.model.model.layers." + layer + "." + block + "." + p + "." + f
                                + ".weight");
                    }
                }
            }
            assertEquals(expected, new TreeSet<>(adapter.keys()));
            assertArrayEquals(new long[] {4, 32},
                    adapter.get("base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight").getShape().getShape());
            assertArrayEquals(new long[] {16, 4}, // 2 key/value heads of 8
                    adapter.get("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight").getShape().getShape());
            assertArrayEquals(new long[] {32, 4},
                    adapter.get("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight").getShape().getShape());
            assertArrayEquals(new long[] {4, 48},
                    adapter.get("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight").getShape().getShape());
        }
    }

    @Test
    void savedAndReloadedAdapterGivesTheSameLogitsAndMergesLikePeft(@TempDir Path tmp) throws IOException {
        try (LlamaModel base = LlamaModel.random(config(32), 2, Device.cpu());
                LoraAdapter adapter = randomAdapter(base, ALL, List.of("embed_tokens"), 3);
                NDManager m = NDManager.newBaseManager()) {
            float[] plain = base.logits(PROMPTS, MASK, m).toFloatArray();
            float[] adapted;
            try (LlamaModel tuned = base.withAdapter(adapter)) {
                adapted = tuned.logits(PROMPTS, MASK, m).toFloatArray();
                assertFalse(Arrays.equals(plain, adapted), "the adapter changes nothing");
                try (LoraAdapter snapshot = tuned.adapter()) {
                    snapshot.save(tmp.resolve("adapter"));
                }
                tuned.mergeAdapter();
                Oracle.assertAbsClose("merged in place", adapted, tuned.logits(PROMPTS, MASK, m).toFloatArray(), 1e-5);
                tuned.unmergeAdapter();
                assertArrayEquals(adapted, tuned.logits(PROMPTS, MASK, m).toFloatArray(), "unmerged");
                try (LlamaModel merged = tuned.merge()) {
                    assertNull(merged.adapterConfig());
                    Oracle.assertAbsClose("merge_and_unload", adapted, merged.logits(PROMPTS, MASK, m).toFloatArray(),
                            1e-5);
                }
            }
            JsonObject config = JsonParser.parseString(Files.readString(tmp.resolve("adapter/adapter_config.json")))
                    .getAsJsonObject();
            assertEquals(ALL.size(), config.getAsJsonArray("target_modules").size());
            try (StateDict saved = StateDict.open(tmp.resolve("adapter/adapter_model.safetensors"))) {
                assertTrue(saved.contains("base_model.model.model.layers.0.mlp.gate_proj.lora_B.weight"));
                assertTrue(saved.contains("base_model.model.model.embed_tokens.weight"));
                assertEquals(2 * 7 * 2 + 1, saved.keys().size());
            }
            try (LoraAdapter reloaded = LoraAdapter.load(tmp.resolve("adapter"));
                    LlamaModel again = base.withAdapter(reloaded)) {
                assertArrayEquals(adapted, again.logits(PROMPTS, MASK, m).toFloatArray(), "reloaded adapter");
            }
            assertArrayEquals(plain, base.logits(PROMPTS, MASK, m).toFloatArray(), "the base model was written");
        }
    }

    @Test
    void aFewTrainingStepsLowerTheLossOfATinyLlama(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("train.jsonl");
        Files.writeString(data, "{\"prompt_ids\": [1, 300, 301, 302], \"target_ids\": [900, 901, 2]}\n"
                + "{\"prompt_ids\": [1, 400, 401], \"target_ids\": [950, 951, 952, 2]}\n", StandardCharsets.UTF_8);
        Path run = tmp.resolve("run");
        String spec = "{\"model\": \"" + Oracle.path("llama-tiny").toString().replace("\\", "\\\\") + "\","
                + " \"lora\": {\"r\": 4, \"lora_alpha\": 8, \"target_modules\": " + toJson(ALL) + "},"
                + " \"training\": {\"learning_rate\": 0.03, \"total_steps\": 20, \"schedule\": \"constant\","
                + " \"batch_size\": 2, \"log_every\": 5, \"seed\": 1, \"output_dir\": \""
                + run.toString().replace("\\", "\\\\") + "\"}}";
        Path adapterDir = LoraTraining.train(LoraTrainingSpec.parse(spec), data, null);

        List<TrainingRecord> log = TrainingLog.read(run.resolve("train_log.jsonl"));
        assertEquals(20, log.size());
        double first = log.get(0).losses().get(LoraTraining.LOSS);
        double last = log.get(log.size() - 1).losses().get(LoraTraining.LOSS);
        assertTrue(last < 0.5 * first, "the loss fell from " + first + " to only " + last);
        try (LoraAdapter trained = LoraAdapter.load(adapterDir)) {
            assertEquals(2 * 7 * 2, trained.keys().size());
            assertTrue(trained.keys().contains("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight"));
        }
    }

    @Test
    void trainingStepsOnAnAdaptedModelUseTheGenericLoop(@TempDir Path tmp) {
        List<LmExample> examples = List.of(LmExample.promptTarget(new long[] {1, 5, 6}, new long[] {30, 31, 2}),
                LmExample.promptTarget(new long[] {1, 7}, new long[] {40, 41, 2}));
        LoraConfig lora = LoraConfig.of(4, 8, List.of("q_proj", "v_proj"), List.of("lm_head"));
        try (LlamaModel base = LlamaModel.random(config(32), 4, Device.cpu());
                LlamaModel model = LoraTraining.adapted(base, lora, null, 0)) {
            assertEquals(2 * 2 * 2 + 1, model.adapterParameters().size());
            assertTrue(model.adapterParameters().containsKey("base_model.model.lm_head.weight"));
            TrainingLog log = LoraTraining.train(model, examples,
                    TrainingConfig.defaults(0.02, 10, 2, tmp.resolve("run")));
            List<TrainingRecord> records = log.records();
            double first = records.get(0).losses().get(LoraTraining.LOSS);
            double last = records.get(records.size() - 1).losses().get(LoraTraining.LOSS);
            assertTrue(last < first, "the loss did not fall: " + first + " -> " + last);
        }
    }

    @Test
    void adaptersForAnotherModelAreRefusedAndNothingIsApplied() throws IOException {
        try (LlamaModel base = LlamaModel.random(config(32), 5, Device.cpu());
                LlamaModel wider = LlamaModel.random(config(64), 6, Device.cpu());
                NDManager m = NDManager.newBaseManager()) {
            float[] before = base.logits(PROMPTS, MASK, m).toFloatArray();
            // the OPT fixture's adapter: q_proj/v_proj exist in LLaMA too, but its tensors belong to model.decoder.*
            try (LoraAdapter opt = LoraAdapter.load(Oracle.path("opt-tiny").resolve("lora_adapter"))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base.withAdapter(opt));
                assertTrue(e.getMessage().contains("model.decoder.layers.0.self_attn.q_proj")
                        && e.getMessage().contains("another model"), e.getMessage());
            }
            // a target module LLaMA does not have (OPT's fc1)
            try (LoraAdapter fc1 = LoraAdapter.of(LoraConfig.of(4, 8, List.of("q_proj", "fc1"), List.of()), Map.of())) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base.withAdapter(fc1));
                assertTrue(e.getMessage().contains("[fc1]") && e.getMessage().contains("another model"),
                        e.getMessage());
            }
            // an adapter for a LLaMA of another width
            try (LoraAdapter other = randomAdapter(wider, ALL, List.of(), 7)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> base.withAdapter(other));
                assertTrue(e.getMessage().contains("lora_A.weight") && e.getMessage().contains("(4, 64)")
                        && e.getMessage().contains("(4, 32)") && e.getMessage().contains("another model size"),
                        e.getMessage());
            }
            // nothing half-applied: the base model is as it was and still takes a proper adapter
            assertNull(base.adapterConfig());
            assertArrayEquals(before, base.logits(PROMPTS, MASK, m).toFloatArray());
            try (LoraAdapter good = randomAdapter(base, List.of("q_proj"), List.of(), 8);
                    LlamaModel tuned = base.withAdapter(good)) {
                assertEquals(2, base.loraTargets(good.config()).size());
                assertEquals(2 * 2, tuned.adapterParameters().size());
            }
            // and OPT refuses a LLaMA adapter
            try (OptModel opt = OptModel.load(Oracle.path("opt-tiny"));
                    LoraAdapter llama = randomAdapter(base, ALL, List.of(), 9)) {
                float[] optBefore = opt.logits(PROMPTS, null, m).toFloatArray();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.withAdapter(llama));
                assertTrue(e.getMessage().contains("o_proj") && e.getMessage().contains("another model"),
                        e.getMessage());
                try (LoraAdapter qv = randomAdapter(base, List.of("q_proj", "v_proj"), List.of(), 10)) {
                    IllegalArgumentException keys = assertThrows(IllegalArgumentException.class,
                            () -> opt.withAdapter(qv));
                    assertTrue(keys.getMessage().contains("model.layers.0.self_attn.q_proj")
                            && keys.getMessage().contains("another model"), keys.getMessage());
                }
                assertNull(opt.adapterConfig());
                assertArrayEquals(optBefore, opt.logits(PROMPTS, null, m).toFloatArray());
            }
        }
    }

    @Test
    void reducedPrecisionModelsTakeNoAdapter() {
        try (LlamaModel bf16 = LlamaModel.random(config(32), 11, Device.cpu(), LlmDtype.BFLOAT16);
                LlamaModel fp32 = LlamaModel.random(config(32), 11, Device.cpu());
                LoraAdapter adapter = randomAdapter(fp32, List.of("q_proj"), List.of(), 12)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> bf16.withAdapter(adapter));
            assertTrue(e.getMessage().contains("bfloat16"), e.getMessage());
        }
    }

    private static String toJson(List<String> names) {
        return names.stream().map(n -> "\"" + n + "\"").toList().toString();
    }
}
