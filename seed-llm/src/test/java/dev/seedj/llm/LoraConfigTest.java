package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.config.ConfigException;
import dev.seedj.core.nn.lora.LoraInjector;
import dev.seedj.core.testing.Oracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEFT's target matching and scaling rules. */
class LoraConfigTest {
    private static final Set<String> LINEAR = Set.copyOf(LoraConfig.SUPPORTED_TARGETS);
    private static final String Q0 = "model.decoder.layers.0.self_attn.q_proj";
    private static final String Q1 = "model.decoder.layers.1.self_attn.q_proj";

    @Test
    void readsTheOracleAdapterConfig() {
        LoraConfig c = LoraConfig.load(Oracle.path("opt-tiny", "lora_adapter", "adapter_config.json"));
        assertEquals(4, c.r());
        assertEquals(8.0, c.loraAlpha());
        assertEquals(2.0f, c.scaling(Q0));
        assertTrue(c.targets(Q0, LINEAR));
        assertTrue(c.targets("model.decoder.layers.1.self_attn.v_proj", LINEAR));
        assertFalse(c.targets("model.decoder.layers.1.self_attn.k_proj", LINEAR));
        assertFalse(c.targets("model.decoder.layers.1.fc1", LINEAR));
        assertEquals(List.of(), c.modulesToSave());
    }

    @Test
    void rsloraRankAndAlphaPatterns() {
        String json = """
                {"peft_type": "LORA", "r": 16, "lora_alpha": 32, "use_rslora": true,
                 "target_modules": ["q_proj", "fc1"], "rank_pattern": {"fc1": 4},
                 "alpha_pattern": {"layers.1.self_attn.q_proj": 8}}""";
        LoraConfig c = LoraConfig.parse(json);
        assertEquals(32 / 4f, c.scaling(Q0), 1e-6);
        assertEquals(4, c.rank("model.decoder.layers.0.fc1"));
        assertEquals(32 / 2f, c.scaling("model.decoder.layers.0.fc1"), 1e-6);
        assertEquals(8 / 4f, c.scaling(Q1), 1e-6);
    }

    @Test
    void regexLayersAndExclusions() {
        LoraConfig regex = LoraConfig.parse("""
                {"peft_type": "LORA", "r": 2, "lora_alpha": 2, "target_modules": ".*layers\\\\.1\\\\..*(q|v)_proj"}""");
        assertTrue(regex.targets(Q1, LINEAR));
        assertFalse(regex.targets(Q0, LINEAR));
        LoraConfig layers = LoraConfig.parse("""
                {"peft_type": "LORA", "r": 2, "lora_alpha": 2, "target_modules": ["q_proj"],
                 "layers_to_transform": [1], "layers_pattern": "layers"}""");
        assertTrue(layers.targets(Q1, LINEAR));
        assertFalse(layers.targets(Q0, LINEAR));
        LoraConfig excluded = LoraConfig.parse("""
                {"peft_type": "LORA", "r": 2, "lora_alpha": 2, "target_modules": "all-linear",
                 "exclude_modules": ["fc2"], "modules_to_save": ["embed_tokens"]}""");
        assertTrue(excluded.targets("model.decoder.layers.0.fc1", LINEAR));
        assertFalse(excluded.targets("model.decoder.layers.0.fc2", LINEAR));
        assertTrue(excluded.isSaved("model.decoder.embed_tokens"));
        assertFalse(excluded.isSaved("model.decoder.embed_positions"));
        Map<String, LoraInjector.Site> plan = OptAdapters.resolve(excluded, TinyModels.opt125mShaped(300));
        assertEquals(10, plan.size(), "q, k, v, out, fc1 in 2 layers");
    }

    @Test
    void errorsNameTheFileAndTheJsonPath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("adapter_config.json");
        Files.writeString(file, "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"q_proj\", 3]}");
        ConfigException e = assertThrows(ConfigException.class, () -> LoraConfig.load(file));
        assertEquals(file + ": $.target_modules[1]: expected a string, got 3", e.getMessage());
        assertEquals("$.r: missing", assertThrows(ConfigException.class, () -> LoraConfig.parse(
                "{\"peft_type\": \"LORA\", \"lora_alpha\": 8, \"target_modules\": [\"q_proj\"]}")).getMessage());
        assertEquals("$.use_dora: true is not supported", assertThrows(ConfigException.class, () -> LoraConfig.parse(
                "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"q_proj\"],"
                        + " \"use_dora\": true}")).getMessage());
    }

    @Test
    void aCurrentPeftConfigWithAllItsDefaultsIsAccepted() {
        LoraConfig c = LoraConfig.parse("""
                {"alora_invocation_tokens": null, "alpha_pattern": {}, "arrow_config": null,
                 "auto_mapping": null, "base_model_name_or_path": "facebook/opt-350m", "bias": "none",
                 "corda_config": null, "ensure_weight_tying": false, "eva_config": null, "exclude_modules": null,
                 "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true,
                 "layer_replication": null, "layers_pattern": null, "layers_to_transform": null,
                 "loftq_config": {}, "lora_alpha": 16, "lora_bias": false, "lora_dropout": 0.05,
                 "megatron_config": null, "megatron_core": "megatron.core",
                 "modules_to_save": ["embed_tokens"], "peft_type": "LORA", "peft_version": "0.17.1",
                 "qalora_group_size": 16, "r": 8, "rank_pattern": {}, "revision": null,
                 "runtime_config": {"ephemeral_gpu_offload": false},
                 "target_modules": ["fc2", "q_proj", "k_proj", "v_proj", "out_proj", "fc1"],
                 "target_parameters": null, "task_type": "CAUSAL_LM", "trainable_token_indices": null,
                 "use_dora": false, "use_qalora": false, "use_rslora": false}""");
        assertEquals(2.0f, c.scaling(Q0));
        assertEquals(List.of("embed_tokens"), c.modulesToSave());
        Map<String, LoraInjector.Site> plan = OptAdapters.resolve(c, TinyModels.opt350mShaped(300));
        assertEquals(12, plan.size(), "all six projection types in both layers");
        assertFalse(plan.keySet().stream().anyMatch(m -> m.contains("project")));
    }
}
