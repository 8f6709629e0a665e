package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.seedj.core.nn.FusedQkvAttention;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.VitBlock;
import dev.seedj.core.nn.lora.LoraInjector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A PEFT adapter_config.json applies to any core.nn tree, not only OPT: PEFT's target rules on full names. */
class LoraOnAnyTreeTest {

    /** Three ViT blocks under {@code encoder.layers.N}. */
    static final class Encoder extends SeedBlock {
        Encoder() {
            for (int i = 0; i < 3; i++) {
                declareChild("encoder.layers." + i, new VitBlock(8, 2, 16, 1e-6f, FusedQkvAttention.QkvBias.FULL));
            }
        }
    }

    private static List<String> targets(String json) {
        return List.copyOf(LoraInjector.create().resolve(new Encoder(), LoraConfig.parse(json)).keySet());
    }

    @Test
    void peftTargetRulesOnANonOptTree() {
        assertEquals(List.of("encoder.layers.0.attn.qkv", "encoder.layers.1.attn.qkv", "encoder.layers.2.attn.qkv"),
                targets("""
                        {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["qkv"]}"""));
        assertEquals(List.of("encoder.layers.1.mlp.fc1", "encoder.layers.1.mlp.fc2"), targets("""
                {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": "encoder\\\\.layers\\\\.1\\\\.mlp\\\\..*"}"""));
        assertEquals(List.of("encoder.layers.2.attn.proj"), targets("""
                {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["proj"],
                 "layers_to_transform": [2], "layers_pattern": "layers"}"""));
        assertEquals(12, targets("""
                {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": "all-linear"}""").size(),
                "qkv, proj, fc1, fc2 in three blocks");
        Encoder encoder = new Encoder();
        LoraConfig config = LoraConfig.parse("""
                {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["fc2"], "rank_pattern": {"layers.0.mlp.fc2": 4}}""");
        LoraInjector.inject(encoder, LoraInjector.create().resolve(encoder, config));
        assertEquals(List.of(4L, 2L, 2L), LoraInjector.loraLayers(encoder).stream().map(l -> l.rank()).toList());
        assertEquals("encoder.layers.0.mlp.fc2.lora_A.weight", encoder.namedParameters().keySet().stream()
                .filter(n -> n.contains("lora_A")).findFirst().orElseThrow());
    }
}
