package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.GenerationResult;
import dev.seedj.llm.generation.Generator;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, items 3 and 4: the opt-tiny fixture prompts (3 rows, 12 greedy steps each) decoded greedily in bfloat16
 * and with int8 weights against float32: token agreement (goal >= 90%), the step logits' error (while both decode the
 * same prefix), and where a row diverges, float32's top-2 logit gap at that step, which must be within the measured
 * logit error (a near tie, not a wrong computation). The fixture's float32 greedy steps have top-2 gaps down to 0.013
 * (prompt 0, steps 1 and 8: 0.0166 and 0.0134), so a logit error of that size flips a token.
 *
 * <p>Measured (the same with the Java matrix-vector kernel and with libtorch's products): bfloat16 (the decoder's
 * linear-layer matrices bfloat16; residual stream, norms and attention float32; decoding's output layer a bfloat16
 * copy with its 16 best logits rescored in float32) 100% of tokens, max logit error 0.025 (0.024 with the float32
 * output layer; all-bfloat16 activations gave 88.9% and 0.033); int8 weights with the int8 output layer's 16 best
 * logits rescored in float32: 100%, max logit error 0.056 (the int8 output layer alone gave 88.9%: it flips the 0.0166
 * gap at step 1); dynamic int8 (fbgemm: 63 weight levels, inputs quantised to uint8 per product) 91.7%, max logit error
 * 0.104.
 */
class OptReducedPrecisionTest {
    private static final int STEPS = 12;
    private static OptFixture fx;
    private static OptModel fp32;

    @BeforeAll
    static void load() {
        fx = new OptFixture();
        fp32 = OptModel.load(fx.dir);
    }

    @AfterAll
    static void close() {
        fp32.close();
        fx.close();
    }

    @Test
    void bfloat16GreedyAgreesWithFloat32() {
        try (OptModel bf16 = OptModel.load(fx.dir, Engine.getInstance().defaultDevice(), ComputeType.BFLOAT16)) {
            Agreement a = compare(bf16, "bfloat16");
            assertTrue(a.tokens >= 0.90, a.toString());
            assertTrue(a.maxLogitError < 0.04, a.toString()); // bfloat16 keeps 8 bits of each weight and product input
            assertTrue(a.divergenceGap <= 1.5 * a.maxLogitError, a.toString());
            assertThrows(UnsupportedOperationException.class, () -> bf16.resizeTokenEmbeddings(10));
        }
    }

    @Test
    void int8GreedyAgreesWithFloat32() {
        try (OptModel int8 = OptModel.load(fx.dir)) {
            int8.quantizeInt8();
            Agreement a = compare(int8, "int8 weights");
            assertTrue(a.tokens >= 0.90, a.toString());
            assertTrue(a.maxLogitError < 0.08, a.toString()); // 8-bit weights: ~0.4% of each row's largest weight
            assertTrue(a.divergenceGap <= 1.5 * a.maxLogitError, a.toString());
            assertThrows(UnsupportedOperationException.class, () -> int8.resizeTokenEmbeddings(10));
            // a prompt of more than GEMV_ROWS tokens takes the dequantised path: same logits as the int8 kernel
            double prefill = prefillError(int8);
            assertTrue(prefill < 0.05, "prefill logits error " + prefill);
        }
    }

    @Test
    void dynamicInt8GreedyAgreesWithFloat32() {
        assumeTrue(LibtorchOps.fbgemmAvailable(), "fbgemm needs x86-64 with AVX2");
        try (OptModel int8 = OptModel.load(fx.dir, Engine.getInstance().defaultDevice(), LlmDtype.INT8_DYNAMIC)) {
            Agreement a = compare(int8, "int8 weights and activations");
            assertTrue(a.tokens >= 0.90, a.toString());
            // 63 levels per weight row and 256 per product input: about twice weight-only int8's error
            assertTrue(a.maxLogitError < 0.15, a.toString());
            assertTrue(a.divergenceGap <= 1.5 * a.maxLogitError, a.toString());
            assertTrue(prefillError(int8) < 0.15, "prefill logits error " + prefillError(int8));
        }
    }

    /** @return the largest logit error at the last position of a 40-token prompt (a prompt-sized product) */
    private static double prefillError(OptModel model) {
        long[][] ids = {new long[40]};
        for (int i = 0; i < 40; i++) {
            ids[0][i] = i == 0 ? 2 : 3 + 37L * i % 900;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float[] all = model.logits(ids, null, m).get("0, -1, :").toFloatArray();
            float[] reference = fp32.logits(ids, null, m).get("0, -1, :").toFloatArray();
            double worst = 0;
            for (int v = 0; v < all.length; v++) {
                worst = Math.max(worst, Math.abs(all[v] - reference[v]));
            }
            return worst;
        }
    }

    /** Token agreement and logit error of {@code model} against float32 on the fixture prompts. */
    static Agreement compare(OptModel model, String what) {
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(STEPS).stopTokens().returnLogits(true).build();
        long[][][] prompts = {fx.longs2d("prompt_ids"), fx.longs2d("batch_prompt_ids")};
        long[][][] masks = {null, fx.longs2d("batch_prompt_mask")};
        int same = 0;
        int total = 0;
        double maxError = 0;
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        double nearTieGap = 0;
        for (int p = 0; p < prompts.length; p++) {
            GenerationResult expected = new Generator(fp32).generate(prompts[p], masks[p], greedy, null);
            GenerationResult actual = new Generator(model).generate(prompts[p], masks[p], greedy, null);
            for (int row = 0; row < prompts[p].length; row++) {
                int[] e = expected.tokens()[row];
                int[] g = actual.tokens()[row];
                assertEquals(e.length, g.length);
                boolean diverged = false;
                for (int i = 0; i < e.length; i++) {
                    same += e[i] == g[i] ? 1 : 0;
                    total++;
                    // logits are comparable while both decoded the same prefix
                    if (!diverged) {
                        float[] el = expected.stepLogits()[row][i];
                        float[] gl = actual.stepLogits()[row][i];
                        for (int v = 0; v < el.length; v++) {
                            maxError = Math.max(maxError, Math.abs(el[v] - gl[v]));
                            lo = Math.min(lo, el[v]);
                            hi = Math.max(hi, el[v]);
                        }
                    }
                    if (!diverged && e[i] != g[i]) {
                        float[] el = expected.stepLogits()[row][i];
                        nearTieGap = Math.max(nearTieGap, el[e[i]] - el[g[i]]);
                        System.out.println("[OptReducedPrecisionTest] " + what + ": prompt " + p + " row " + row
                                + " diverges at step " + i + ", float32 logit gap there " + (el[e[i]] - el[g[i]]));
                    }
                    diverged |= e[i] != g[i];
                }
            }
        }
        Agreement a = new Agreement(same / (double) total, maxError, hi - lo, nearTieGap);
        System.out.println("[OptReducedPrecisionTest] " + what + ": " + a);
        return a;
    }

    /**
     * Fraction of equal tokens, the largest logit difference, float32's logit range, and the largest float32 top-2
     * gap at a step where a row diverged (0 if none did).
     */
    record Agreement(double tokens, double maxLogitError, double logitRange, double divergenceGap) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f%% of tokens equal float32's, max |logit error| %.4f (logit range"
                    + " %.2f), largest float32 logit gap where a row diverged %.4f", 100 * tokens, maxLogitError,
                    logitRange, divergenceGap);
        }
    }
}
