package dev.seedj.llm;

import dev.seedj.core.testing.Oracle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.weights.StateDict;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.GenerationResult;
import dev.seedj.llm.generation.Generator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Acceptance 1 and 2: opt-tiny logits, KV cache and greedy decoding against the Hugging Face reference. */
class OptOracleTest {
    private static OptFixture fx;
    private static OptModel model;

    @BeforeAll
    static void open() {
        fx = new OptFixture();
        model = OptModel.load(fx.dir);
    }

    @AfterAll
    static void close() {
        model.close();
        fx.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch_model.bin", "model.safetensors"})
    void logitsMatchTheReferenceFromEitherFile(String file) {
        OptConfig config = OptConfig.load(fx.dir.resolve("config.json"));
        long[][] ids = fx.longs2d("input_ids");
        long[][] mask = fx.longs2d("attention_mask");
        try (StateDict weights = StateDict.open(fx.dir.resolve(file));
                OptModel m = OptModel.load(config, weights, Engine.getInstance().defaultDevice());
                NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = m.logits(ids, mask, manager);
            assertArrayEquals(new long[] {3, 12, 9194}, logits.getShape().getShape());
            float[] expected = fx.floats("hf.logits");
            OptFixture.assertAbsCloseWhereMasked("hf.logits", expected, logits.toFloatArray(), mask, 9194,
                    OptFixture.TOL);
            // the fully masked (left-padding) queries attend uniformly, as the reference's clamp makes them
            Oracle.assertAbsClose("hf.logits incl. padding", expected, logits.toFloatArray(), OptFixture.TOL);
        }
    }

    @Test
    void finalHiddenMatches() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray h = model.finalHidden(fx.longs2d("input_ids"), fx.longs2d("attention_mask"), manager);
            Oracle.assertAbsClose("hf.final_hidden", fx.floats("hf.final_hidden"), h.toFloatArray(), OptFixture.TOL);
        }
    }

    @Test
    void maskIsCausalPlusPaddingClampedToFloatMin() {
        long[][] mask = fx.longs2d("attention_mask");
        OptInputs in = OptInputs.of(fx.longs2d("input_ids"), mask, 0, model.config());
        float[] expected = fx.floats("hf.decoder_attention_mask");
        for (int i = 0; i < expected.length; i++) {
            expected[i] = Math.max(expected[i], -Float.MAX_VALUE); // -inf (both masks) clamps to float-min
        }
        assertArrayEquals(expected, in.mask());
        long[] positions = in.positions();
        // row 2 is left-padded by 4: pads use row 1, real tokens 2, 3, ...
        assertArrayEquals(new long[] {1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9}, java.util.Arrays.copyOfRange(positions, 24, 36));
        // row 1 is right-padded
        assertArrayEquals(new long[] {2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1}, java.util.Arrays.copyOfRange(positions, 12, 24));
    }

    @Test
    void cachedKeysAndValuesMatchThePast() {
        try (NDManager manager = NDManager.newBaseManager(); KvCache cache = model.newCache(manager)) {
            model.nextLogits(fx.longs2d("input_ids"), fx.longs2d("attention_mask"), cache, manager);
            for (int layer = 0; layer < 2; layer++) {
                Oracle.assertAbsClose("hf.past.layer" + layer + ".key", fx.floats("hf.past.layer" + layer + ".key"),
                        cache.keys(layer).toFloatArray(), OptFixture.TOL);
                Oracle.assertAbsClose("hf.past.layer" + layer + ".value",
                        fx.floats("hf.past.layer" + layer + ".value"), cache.values(layer).toFloatArray(), OptFixture.TOL);
            }
        }
    }

    @Test
    void promptPastMatches() {
        try (NDManager manager = NDManager.newBaseManager(); KvCache cache = model.newCache(manager)) {
            model.nextLogits(fx.longs2d("prompt_ids"), null, cache, manager);
            for (int layer = 0; layer < 2; layer++) {
                String p = "greedy.hf_cache.prompt_past.layer" + layer;
                Oracle.assertAbsClose(p + ".key", fx.floats(p + ".key"), cache.keys(layer).toFloatArray(), OptFixture.TOL);
                Oracle.assertAbsClose(p + ".value", fx.floats(p + ".value"), cache.values(layer).toFloatArray(),
                        OptFixture.TOL);
            }
        }
    }

    @Test
    void greedyWithCacheReproducesTokensAndStepLogits() {
        GenerationConfig config = GenerationConfig.builder().maxNewTokens(12).stopTokens().returnLogits(true).build();
        GenerationResult result = new Generator(model).generate(fx.longs2d("prompt_ids"), null, config, null);
        assertArrayEquals(OptFixture.ints(fx.longs2d("greedy.hf_cache.tokens")[0]), result.tokens()[0]);
        float[] expected = fx.floats("greedy.hf_cache.step_logits"); // [1, 12, V]
        assertEquals(12, result.stepLogits()[0].length);
        for (int step = 0; step < 12; step++) {
            float[] e = java.util.Arrays.copyOfRange(expected, step * 9194, (step + 1) * 9194);
            Oracle.assertAbsClose("step " + step + " logits", e, result.stepLogits()[0][step], OptFixture.TOL);
        }
        assertNull(result.sequenceScores());
    }

    @Test
    void batchedLeftPaddedGreedyReproducesTokens() {
        GenerationConfig config = GenerationConfig.builder().maxNewTokens(12).stopTokens().build();
        GenerationResult result = new Generator(model).generate(
                fx.longs2d("batch_prompt_ids"), fx.longs2d("batch_prompt_mask"), config, null);
        long[][] expected = fx.longs2d("greedy_batch.hf_cache.tokens");
        assertArrayEquals(OptFixture.ints(expected[0]), result.tokens()[0]);
        assertArrayEquals(OptFixture.ints(expected[1]), result.tokens()[1]);
    }

    @Test
    void leftPaddingHelperBuildsTheSameBatch() {
        long[][] ids = fx.longs2d("batch_prompt_ids");
        GenerationResult result = new Generator(model).generate(
                List.of(ids[0], java.util.Arrays.copyOfRange(ids[1], 2, 6)),
                GenerationConfig.builder().maxNewTokens(12).stopTokens().build(), null);
        assertArrayEquals(OptFixture.ints(fx.longs2d("greedy_batch.hf_cache.tokens")[1]), result.tokens()[1]);
    }
}
