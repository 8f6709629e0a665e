package dev.seedj.llm.llama;

import dev.seedj.core.testing.Oracle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.KvCache;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.GenerationResult;
import dev.seedj.llm.generation.Generator;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance 1: llama-tiny logits, hidden states, KV cache and greedy decoding against transformers. */
class LlamaOracleTest {
    private static final int VOCAB = 8514;
    private static LlamaFixture fx;
    private static LlamaModel model;

    @BeforeAll
    static void open() {
        fx = new LlamaFixture();
        model = LlamaModel.load(fx.dir); // the directory's model.safetensors (preferred over the .bin index)
    }

    @AfterAll
    static void close() {
        model.close();
        fx.close();
    }

    /** Compares the left-padded batch with the reference: last 8 positions fully, all positions on 64 vocab ids. */
    private static void assertBatchLogits(String what, LlamaModel m) {
        long[][] ids = fx.longs2d("batch.input_ids");
        long[][] mask = fx.longs2d("batch.attention_mask");
        int t = ids[0].length;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = m.logits(ids, mask, manager);
            assertArrayEquals(new long[] {3, t, VOCAB}, logits.getShape().getShape());
            float[] all = logits.toFloatArray();
            float[] last8 = fx.floats("batch.logits_last8");
            long[] argmax = fx.longs("batch.logits_argmax");
            long[] sel = fx.longs("batch.vocab_sel");
            float[] selExpected = fx.floats("batch.logits_allpos_vocab_sel");
            for (int b = 0; b < 3; b++) {
                for (int i = 0; i < t; i++) {
                    float[] row = LlamaFixture.row(all, t, VOCAB, b, i);
                    if (i >= t - 8) {
                        Oracle.assertAbsClose(what + " logits[" + b + "," + i + "]",
                                LlamaFixture.row(last8, 8, VOCAB, b, i - (t - 8)), row, LlamaFixture.TOL);
                    }
                    float[] picked = new float[sel.length];
                    for (int k = 0; k < sel.length; k++) {
                        picked[k] = row[(int) sel[k]];
                    }
                    // padding positions included: the clamp of fully masked rows is reproduced
                    Oracle.assertAbsClose(what + " logits[" + b + "," + i + ", vocab_sel]",
                            LlamaFixture.row(selExpected, t, sel.length, b, i), picked, LlamaFixture.TOL);
                    if (mask[b][i] == 1) {
                        assertEquals(argmax[b * t + i], argmaxOf(row), what + " argmax at [" + b + "," + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void leftPaddedBatchLogitsFromSafetensors() {
        assertBatchLogits("model.safetensors", model);
        assertTrue(model.loadReport().unexpected().contains("model.layers.0.self_attn.rotary_emb.inv_freq"),
                "the inv_freq buffers are reported as ignored");
    }

    @Test
    void leftPaddedBatchLogitsFromShardedBin(@TempDir Path tmp) {
        Path dir = LlamaFixture.view(tmp.resolve("bin"), fx.dir, fx.config(), "pytorch_model.bin.index.json",
                "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin");
        try (LlamaModel m = LlamaModel.load(dir)) {
            assertBatchLogits("sharded .bin", m);
        }
    }

    @Test
    void positionIdsAreDerivedAsHuggingFaceGenerationDoes() {
        long[][] ids = fx.longs2d("batch.input_ids");
        LlamaInputs in = LlamaInputs.of(ids, fx.longs2d("batch.attention_mask"), null, 0, VOCAB);
        assertArrayEquals(fx.longs("batch.position_ids_hf"), in.positions());
    }

    @Test
    void plainForwardWithoutPositionIdsUsesZeroToLength() {
        long[][] ids = fx.longs2d("batch.input_ids");
        int t = ids[0].length;
        long[][] positions = new long[3][t];
        for (long[] row : positions) {
            Arrays.setAll(row, i -> i);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] all = model.logits(ids, fx.longs2d("batch.attention_mask"), positions, manager).toFloatArray();
            float[] expected = fx.floats("batch.logits_plain_forward_last");
            for (int b = 0; b < 3; b++) {
                Oracle.assertAbsClose("plain forward row " + b, LlamaFixture.row(expected, 1, VOCAB, b, 0),
                        LlamaFixture.row(all, t, VOCAB, b, t - 1), LlamaFixture.TOL);
            }
        }
    }

    @Test
    void hiddenStatesOfEveryLayer() {
        long[][] ids = fx.longs2d("single.input_ids");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList states = model.hiddenStates(ids, null, manager);
            assertEquals(3, states.size());
            for (int i = 0; i < states.size(); i++) {
                Oracle.assertAbsClose("hidden_states." + i, fx.floats("single.hidden_states." + i),
                        states.get(i).toFloatArray(), LlamaFixture.TOL);
            }
            Oracle.assertAbsClose("final hidden", fx.floats("single.hidden_states.2"),
                    model.finalHidden(ids, null, manager).toFloatArray(), LlamaFixture.TOL);
        }
    }

    @Test
    void cachedPrefillKeepsPostRotaryKeysAndValues() {
        long[][] ids = fx.longs2d("single.input_ids");
        long[][] mask = new long[1][ids[0].length];
        Arrays.fill(mask[0], 1);
        try (NDManager manager = NDManager.newBaseManager(); KvCache cache = model.newCache(manager)) {
            NDArray last = model.nextLogits(ids, mask, cache, manager);
            Oracle.assertAbsClose("logits_last", fx.floats("single.logits_last"), last.toFloatArray(),
                    LlamaFixture.TOL);
            Oracle.assertAbsClose("past_key.0", fx.floats("single.past_key.0"), cache.keys(0).toFloatArray(),
                    LlamaFixture.TOL);
            Oracle.assertAbsClose("past_value.0", fx.floats("single.past_value.0"),
                    cache.values(0).toFloatArray(), LlamaFixture.TOL);
        }
    }

    @Test
    void inverseFrequenciesEqualTheReferenceBuffer() {
        float[] computed = new LlamaRotaryEmbedding(model.config()).inverseFrequencies();
        assertArrayEquals(fx.floats("single.inv_freq.layer0"), computed);
    }

    @Test
    void cachedGreedyDecodingOfTheLeftPaddedBatch() {
        long[][] ids = fx.longs2d("batch.input_ids");
        long[][] mask = fx.longs2d("batch.attention_mask");
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(16).returnLogits(true).build();
        GenerationResult result = new Generator(model).generate(ids, mask, greedy, null);
        long[][] sequences = fx.longs2d("gen.batch.sequences");
        float[] stepLogits = fx.floats("gen.batch.step_logits"); // [16, 3, V]
        int t = ids[0].length;
        for (int b = 0; b < 3; b++) {
            int[] generated = result.tokens()[b];
            for (int s = 0; s < 16; s++) {
                long expected = sequences[b][t + s];
                long actual = s < generated.length ? generated[s] : model.padTokenId(); // pad after eos
                assertEquals(expected, actual, "row " + b + " token " + s);
                if (s < result.stepLogits()[b].length) {
                    Oracle.assertAbsClose("step " + s + " row " + b,
                            LlamaFixture.row(stepLogits, 3, VOCAB, s, b), result.stepLogits()[b][s], LlamaFixture.TOL);
                }
            }
        }
    }

    @Test
    void cachedGreedyDecodingOfOnePrompt() {
        long[][] ids = fx.longs2d("single.input_ids");
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(16).returnLogits(true).build();
        GenerationResult result = new Generator(model).generate(ids, null, greedy, null);
        long[] sequence = fx.longs2d("gen.single.sequences")[0];
        int t = ids[0].length;
        int[] generated = result.tokens()[0];
        for (int s = 0; s < sequence.length - t; s++) {
            assertEquals(sequence[t + s], s < generated.length ? generated[s] : model.padTokenId(), "token " + s);
        }
        float[] ends = fx.floats("gen.single.step_logits_step0_and_last");
        float[][] steps = result.stepLogits()[0];
        Oracle.assertAbsClose("step 0", Arrays.copyOfRange(ends, 0, VOCAB), steps[0], LlamaFixture.TOL);
        Oracle.assertAbsClose("last step", Arrays.copyOfRange(ends, VOCAB, 2 * VOCAB), steps[steps.length - 1],
                LlamaFixture.TOL);
    }

    @Test
    void pretrainingTpTwoComputesTheSameLogitsAsTransformers430(@TempDir Path tmp) {
        String config = fx.config().replace("\"pretraining_tp\": 1", "\"pretraining_tp\": 2");
        assertTrue(config.contains("\"pretraining_tp\": 2"));
        Path dir = LlamaFixture.view(tmp.resolve("tp2"), fx.dir, config, "model.safetensors");
        long[][] ids = fx.longs2d("batch.input_ids");
        long[][] mask = fx.longs2d("batch.attention_mask");
        try (LlamaModel tp2 = LlamaModel.load(dir); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(2, tp2.config().pretrainingTp());
            float[] a = model.logits(ids, mask, manager).toFloatArray();
            float[] b = tp2.logits(ids, mask, manager).toFloatArray();
            assertArrayEquals(a, b, "4.30.2 has no tensor-parallel slicing: identical logits");
            float[] emulated = fx.floats("batch.logits_tp2_sliced_emulated_last"); // the >= 4.31 path, ~1e-6 away
            int t = ids[0].length;
            for (int r = 0; r < 3; r++) {
                Oracle.assertAbsClose("tp2 row " + r, LlamaFixture.row(emulated, 1, VOCAB, r, 0),
                        LlamaFixture.row(b, t, VOCAB, r, t - 1), LlamaFixture.TOL);
            }
        }
    }

    @Test
    void float16ShardsAreWidenedToTheUpcastReference() {
        long[][] ids = fx.longs2d("batch.input_ids");
        long[][] mask = fx.longs2d("batch.attention_mask");
        int t = ids[0].length;
        try (LlamaModel fp16 = LlamaModel.load(fx.dir.resolve("fp16")); NDManager manager = NDManager.newBaseManager()) {
            assertEquals("float16", fp16.config().torchDtype());
            float[] all = fp16.logits(ids, mask, manager).toFloatArray();
            float[] expected = fx.floats("fp16w.batch.logits_last");
            for (int r = 0; r < 3; r++) {
                Oracle.assertAbsClose("fp16 row " + r, LlamaFixture.row(expected, 1, VOCAB, r, 0),
                        LlamaFixture.row(all, t, VOCAB, r, t - 1), LlamaFixture.TOL);
            }
        }
    }

    private static int argmaxOf(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }
}
