package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.Generator;
import ai.djl.ndarray.NDArray;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 4: an OPT-350m-shaped model (post-LayerNorm, project_in/out, separate lm_head) and an adapter on
 * all six projection types with modules_to_save embed_tokens, checked against a plain-Java reference forward
 * pass, unmerged against merged, and through save/reload.
 */
class OptArchitectureTest {
    private static final List<String> ALL_SIX = List.of("q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2");
    private static final long[] IDS = {2, 17, 250, 9, 9, 131, 77, 4, 201, 3};

    @Test
    void parameterNamesAreHuggingFaces() {
        try (OptModel m = TinyModels.random(TinyModels.opt350mShaped(300), 1)) {
            Map<String, ?> p = m.namedParameters();
            assertTrue(p.containsKey("model.decoder.project_in.weight"));
            assertTrue(p.containsKey("model.decoder.project_out.weight"));
            assertTrue(p.containsKey("lm_head.weight"));
            assertTrue(p.containsKey("model.decoder.layers.1.self_attn.out_proj.bias"));
            assertFalse(p.containsKey("model.decoder.final_layer_norm.weight"), "350m has no final LayerNorm");
            assertFalse(p.containsKey("model.decoder.project_in.bias"));
            assertEquals(List.of(300L, 16L), List.of(m.namedParameters().get("lm_head.weight").getArray().getShape().get(0),
                    m.namedParameters().get("lm_head.weight").getArray().getShape().get(1)));
            assertEquals(42, m.namedParameters().get("model.decoder.embed_positions.weight").getArray().getShape().get(0));
        }
        try (OptModel m = TinyModels.random(TinyModels.opt125mShaped(300), 1)) {
            assertFalse(m.namedParameters().containsKey("lm_head.weight"), "tied: no lm_head parameter");
            assertTrue(m.namedParameters().containsKey("model.decoder.final_layer_norm.weight"));
        }
    }

    @Test
    void postLayerNormModelMatchesTheJavaReference() {
        for (OptConfig config : List.of(TinyModels.opt350mShaped(300), TinyModels.opt125mShaped(300))) {
            try (OptModel m = TinyModels.random(config, 3); NDManager nd = NDManager.newBaseManager()) {
                double[][] expected = new ReferenceOpt(config, m.namedParameters(), Map.of()).logits(IDS);
                float[] actual = m.logits(new long[][] {IDS}, null, nd).toFloatArray();
                Oracle.assertAbsClose("logits " + config, TinyModels.flat(expected), actual, 1e-4);
            }
        }
    }

    @Test
    void savedModelReloadsIdentically(@TempDir Path dir) {
        OptConfig config = TinyModels.opt350mShaped(300);
        try (OptModel m = TinyModels.random(config, 5); NDManager nd = NDManager.newBaseManager()) {
            m.save(dir);
            try (OptModel reloaded = OptModel.load(dir)) {
                assertEquals(config, reloaded.config());
                assertArrayEquals(m.logits(new long[][] {IDS}, null, nd).toFloatArray(),
                        reloaded.logits(new long[][] {IDS}, null, nd).toFloatArray());
            }
        }
    }

    @Test
    void adapterOnAllSixProjectionsWithSavedEmbeddings(@TempDir Path dir) {
        OptConfig config = TinyModels.opt350mShaped(300);
        try (OptModel base = TinyModels.random(config, 11);
                LoraAdapter adapter = TinyModels.adapter(base, ALL_SIX, true, 12);
                OptModel adapted = base.withAdapter(adapter);
                NDManager nd = NDManager.newBaseManager()) {
            Map<String, Float> scaling = new HashMap<>();
            for (String module : OptAdapters.resolve(adapter.config(), config).keySet()) {
                scaling.put(module, 2.0f);
            }
            assertEquals(12, scaling.size(), "6 projection types x 2 layers");
            long[][] ids = {IDS};
            // unmerged against the reference (its saved embed_tokens, LoRA inside all six projections)
            double[][] expected = new ReferenceOpt(config, adapted.namedParameters(), scaling).logits(IDS);
            float[] unmerged = adapted.logits(ids, null, nd).toFloatArray();
            Oracle.assertAbsClose("adapted vs reference", TinyModels.flat(expected), unmerged, 1e-4);
            assertEquals(adapter.get("base_model.model.model.decoder.embed_tokens.weight").toFloatArray()[5],
                    adapted.namedParameters().get("model.decoder.embed_tokens.weight").getArray().toFloatArray()[5]);
            // merged gives the same outputs
            try (OptModel merged = adapted.merge()) {
                Oracle.assertAbsClose("merged vs unmerged", unmerged, merged.logits(ids, null, nd).toFloatArray(), 1e-4);
            }
            // saved and reloaded gives identical outputs
            try (LoraAdapter snapshot = adapted.adapter()) {
                assertEquals(25, snapshot.keys().size(), "24 LoRA factors + embed_tokens");
                snapshot.save(dir);
            }
            try (LoraAdapter reloaded = LoraAdapter.load(dir); OptModel again = base.withAdapter(reloaded)) {
                assertEquals(List.of("embed_tokens"), reloaded.config().modulesToSave());
                assertArrayEquals(unmerged, again.logits(ids, null, nd).toFloatArray());
                int[] a = new Generator(adapted).generate(ids, null, GenerationConfig.greedy(8), null).tokens()[0];
                int[] b = new Generator(again).generate(ids, null, GenerationConfig.greedy(8), null).tokens()[0];
                assertArrayEquals(a, b);
            }
        }
    }

    @Test
    void tiedEmbeddingsFollowPeftDefaultAndEnsureWeightTying() {
        OptConfig config = TinyModels.opt125mShaped(300);
        try (OptModel base = TinyModels.random(config, 21);
                LoraAdapter adapter = TinyModels.adapter(base, List.of("q_proj", "v_proj"), true, 22);
                NDManager nd = NDManager.newBaseManager()) {
            String embed = "model.decoder.embed_tokens.weight";
            try (OptModel split = base.withAdapter(adapter)) {
                // PEFT default: the saved copy feeds the input embeddings, lm_head keeps the base matrix
                assertSame(base.namedParameters().get(embed).getArray(), split.namedParameters().get("lm_head.weight").getArray());
                assertArrayEquals(adapter.get(LoraAdapter.KEY_PREFIX + embed).toFloatArray(),
                        split.namedParameters().get(embed).getArray().toFloatArray());
                assertFalse(split.config().tieWordEmbeddings());
                double[][] expected = new ReferenceOpt(split.config(), split.namedParameters(), scalings(split)).logits(IDS);
                Oracle.assertAbsClose("split", TinyModels.flat(expected),
                        split.logits(new long[][] {IDS}, null, nd).toFloatArray(), 1e-4);
                try (OptModel merged = split.merge()) {
                    assertTrue(merged.namedParameters().containsKey("lm_head.weight"));
                    Oracle.assertAbsClose("split merged", TinyModels.flat(expected),
                            merged.logits(new long[][] {IDS}, null, nd).toFloatArray(), 1e-4);
                }
            }
            try (OptModel tied = base.withAdapter(adapter, true)) {
                assertFalse(tied.namedParameters().containsKey("lm_head.weight"), "still tied");
                assertTrue(tied.config().tieWordEmbeddings());
                double[][] expected = new ReferenceOpt(tied.config(), tied.namedParameters(), scalings(tied)).logits(IDS);
                Oracle.assertAbsClose("tied", TinyModels.flat(expected),
                        tied.logits(new long[][] {IDS}, null, nd).toFloatArray(), 1e-4);
            }
        }
    }

    private static Map<String, Float> scalings(OptModel adapted) {
        Map<String, Float> out = new HashMap<>();
        for (String module : OptAdapters.resolve(adapted.adapterConfig(), adapted.config()).keySet()) {
            out.put(module, adapted.adapterConfig().scaling(module));
        }
        return out;
    }

    @Test
    void resizeAddsMeanRowsAndKeepsOldLogits() {
        for (OptConfig config : List.of(TinyModels.opt350mShaped(300), TinyModels.opt125mShaped(300))) {
            try (OptModel m = TinyModels.random(config, 31); NDManager nd = NDManager.newBaseManager()) {
                float[] before = m.logits(new long[][] {IDS}, null, nd).get(":, :, :300").toFloatArray();
                float[] oldEmbed = m.namedParameters().get("model.decoder.embed_tokens.weight").getArray().toFloatArray();
                m.resizeTokenEmbeddings(310);
                assertEquals(310, m.config().vocabSize());
                float[] embed = m.namedParameters().get("model.decoder.embed_tokens.weight").getArray().toFloatArray();
                int dim = config.wordEmbedProjDim();
                assertArrayEquals(oldEmbed, java.util.Arrays.copyOf(embed, 300 * dim));
                for (int j = 0; j < dim; j++) {
                    double mean = 0;
                    for (int r = 0; r < 300; r++) {
                        mean += oldEmbed[r * dim + j];
                    }
                    mean /= 300;
                    assertEquals(mean, embed[305 * dim + j], 1e-6, "new row = mean of the old rows");
                }
                float[] after = m.logits(new long[][] {IDS}, null, nd).get(":, :, :300").toFloatArray();
                Oracle.assertAbsClose("old logits after resize", before, after, 1e-5);
                long[][] withNewToken = {{2, 305, 9}};
                assertEquals(310, m.logits(withNewToken, null, nd).getShape().get(2));
                m.resizeTokenEmbeddings(290);
                assertEquals(290, m.namedParameters().get("model.decoder.embed_tokens.weight").getArray().getShape().get(0));
            }
        }
    }

    @Test
    void float16CheckpointsAndOptModelKeysLoad(@TempDir Path dir) throws Exception {
        OptConfig config = TinyModels.opt125mShaped(300); // OPTModel checkpoints (decoder.*) rely on tying
        try (OptModel m = TinyModels.random(config, 41); NDManager nd = NDManager.newBaseManager()) {
            Map<String, NDArray> withoutPrefix = new LinkedHashMap<>();
            m.namedParameters().forEach((name, p) -> withoutPrefix.put(name.replaceFirst("^model\\.", ""), p.getArray()));
            Files.writeString(dir.resolve("config.json"), config.toJson().toString());
            new SafetensorsWriter().withFloat16(true).write(dir.resolve("model.safetensors"), withoutPrefix);
            try (OptModel half = OptModel.load(dir)) {
                float[] original = m.namedParameters().get("model.decoder.layers.0.fc1.weight").getArray().toFloatArray();
                float[] loaded = half.namedParameters().get("model.decoder.layers.0.fc1.weight").getArray().toFloatArray();
                Oracle.assertClose("fp16 weights", original, loaded, 1e-3);
                assertTrue(!java.util.Arrays.equals(original, loaded), "the weights went through float16");
                Oracle.assertAbsClose("fp16 logits", m.logits(new long[][] {IDS}, null, nd).toFloatArray(),
                        half.logits(new long[][] {IDS}, null, nd).toFloatArray(), 2e-2);
            }
        }
    }
}
