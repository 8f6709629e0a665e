package dev.seedj.llm;

import dev.seedj.core.testing.Oracle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Acceptance 3: the PEFT LoRA adapter of opt-tiny, unmerged, merged, and saved then reloaded. */
class LoraOracleTest {
    private static final int VOCAB = 9194;
    private static OptFixture fx;
    private static OptModel base;

    @BeforeAll
    static void open() {
        fx = new OptFixture();
        base = OptModel.load(fx.dir);
    }

    @AfterAll
    static void close() {
        base.close();
        fx.close();
    }

    /** Loads the adapter with only one of its two weight files visible. */
    private static LoraAdapter adapterFrom(String file, Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(file));
        Path src = fx.dir.resolve("lora_adapter");
        Files.copy(src.resolve("adapter_config.json"), dir.resolve("adapter_config.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(src.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        return LoraAdapter.load(dir);
    }

    private static void assertMatches(OptModel model, String prefix) {
        long[][] ids = fx.longs2d("input_ids");
        long[][] mask = fx.longs2d("attention_mask");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray hidden = model.finalHidden(ids, mask, m);
            OptFixture.assertAbsCloseWhereMasked(prefix + ".final_hidden", fx.floats(prefix + ".final_hidden"),
                    hidden.toFloatArray(), mask, 64, OptFixture.TOL);
            Oracle.assertAbsClose(prefix + ".final_hidden incl. padding", fx.floats(prefix + ".final_hidden"),
                    hidden.toFloatArray(), OptFixture.TOL);
            NDArray logits = model.logits(ids, mask, m).get(":, -1, :"); // [3, V]
            Oracle.assertAbsClose(prefix + ".logits_last", fx.floats(prefix + ".logits_last"),
                    logits.toFloatArray(), OptFixture.TOL);
        }
        int[] greedy = new Generator(model).generate(fx.longs2d("prompt_ids"), null,
                GenerationConfig.builder().maxNewTokens(12).stopTokens().build(), null).tokens()[0];
        assertArrayEquals(OptFixture.ints(fx.longs2d("greedy.lora_cache.tokens")[0]), greedy, prefix + " greedy");
    }

    @ParameterizedTest
    @ValueSource(strings = {"adapter_model.bin", "adapter_model.safetensors"})
    void unmergedAdapterMatches(String file, @TempDir Path tmp) throws IOException {
        try (LoraAdapter adapter = adapterFrom(file, tmp); OptModel adapted = base.withAdapter(adapter)) {
            assertEquals(8, adapter.keys().size());
            assertMatches(adapted, "lora");
            Set<String> loraParams = adapted.namedParameters().keySet().stream()
                    .filter(n -> n.contains("lora_")).collect(Collectors.toSet());
            assertEquals(Set.of(
                    "model.decoder.layers.0.self_attn.q_proj.lora_A.weight", "model.decoder.layers.0.self_attn.q_proj.lora_B.weight",
                    "model.decoder.layers.0.self_attn.v_proj.lora_A.weight", "model.decoder.layers.0.self_attn.v_proj.lora_B.weight",
                    "model.decoder.layers.1.self_attn.q_proj.lora_A.weight", "model.decoder.layers.1.self_attn.q_proj.lora_B.weight",
                    "model.decoder.layers.1.self_attn.v_proj.lora_A.weight", "model.decoder.layers.1.self_attn.v_proj.lora_B.weight"),
                    loraParams);
        }
        // the base model is untouched
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray h = base.finalHidden(fx.longs2d("input_ids"), fx.longs2d("attention_mask"), m);
            Oracle.assertAbsClose("base after adapter", fx.floats("hf.final_hidden"), h.toFloatArray(), OptFixture.TOL);
        }
    }

    @Test
    void mergedAdapterMatches() {
        try (LoraAdapter adapter = LoraAdapter.load(fx.dir.resolve("lora_adapter"))) {
            OptModel adapted = base.withAdapter(adapter);
            OptModel merged = adapted.merge();
            adapted.close(); // the merged model outlives the adapted one
            assertTrue(merged.namedParameters().keySet().stream().noneMatch(n -> n.contains("lora_")));
            Oracle.assertAbsClose("merged q_proj", fx.floats("lora_merged.q_proj_v_proj_weights.layer0.q_proj"),
                    merged.namedParameters().get("model.decoder.layers.0.self_attn.q_proj.weight").getArray().toFloatArray(),
                    1e-6);
            assertNotSame(base.namedParameters().get("model.decoder.layers.0.self_attn.q_proj.weight").getArray(),
                    merged.namedParameters().get("model.decoder.layers.0.self_attn.q_proj.weight").getArray());
            // unchanged weights are shared, not copied
            assertEquals(base.namedParameters().get("model.decoder.layers.0.fc1.weight").getArray(),
                    merged.namedParameters().get("model.decoder.layers.0.fc1.weight").getArray());
            assertMatches(merged, "lora_merged");
            merged.close();
        }
    }

    @Test
    void savedAdapterReloadsToTheSameOutputs(@TempDir Path tmp) {
        Path saved = tmp.resolve("saved");
        try (LoraAdapter adapter = LoraAdapter.load(fx.dir.resolve("lora_adapter"));
                OptModel adapted = base.withAdapter(adapter);
                LoraAdapter snapshot = adapted.adapter()) {
            snapshot.save(saved);
        }
        assertTrue(Files.isRegularFile(saved.resolve("adapter_model.safetensors")));
        try (LoraAdapter reloaded = LoraAdapter.load(saved); OptModel adapted = base.withAdapter(reloaded)) {
            assertEquals(8, reloaded.keys().size());
            assertEquals(4, reloaded.config().r());
            assertEquals(2.0f, reloaded.config().scaling("model.decoder.layers.0.self_attn.q_proj"));
            assertMatches(adapted, "lora");
        }
    }

    @Test
    void loraLogitsDifferFromTheBase() {
        try (LoraAdapter adapter = LoraAdapter.load(fx.dir.resolve("lora_adapter"));
                OptModel adapted = base.withAdapter(adapter);
                NDManager m = NDManager.newBaseManager()) {
            float[] lora = adapted.logits(fx.longs2d("prompt_ids"), null, m).toFloatArray();
            float[] plain = base.logits(fx.longs2d("prompt_ids"), null, m).toFloatArray();
            double maxDiff = 0;
            for (int i = 0; i < lora.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(lora[i] - plain[i]));
            }
            assertTrue(maxDiff > 0.1, "the adapter changes the logits, max diff " + maxDiff);
            assertEquals(VOCAB * 8, lora.length);
        }
    }
}
