package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.Int8Linear;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OptDecodeStep}, OPT's decoding step in Java, against libtorch's forward pass of the same step
 * ({@link JavaDecodeSteps}): pre- and post-LayerNorm models, project_in/out, bfloat16 and weight-only int8 matrices,
 * and a prompt with a padded position; and the configurations it leaves to libtorch.
 */
class OptDecodeStepTest {
    private static final long[] PROMPT = JavaDecodeSteps.PROMPT;

    @BeforeAll
    static void kernel() {
        assumeTrue(MatVec.available(), "the Java step needs a MatVec kernel");
    }

    @Test
    void preLayerNormFloat32() {
        try (OptModel model = TinyModels.random(TinyModels.opt125mShaped(64), 1)) {
            assertSameSteps(model, null, 2e-5);
        }
    }

    @Test
    void postLayerNormWithProjections() {
        try (OptModel model = TinyModels.random(TinyModels.opt350mShaped(64), 2)) {
            assertSameSteps(model, null, 2e-5);
        }
    }

    @Test
    void paddedPromptPosition() {
        long[] mask = {0, 1, 1, 1, 1}; // the first prompt token is padding: a masked key in every step
        try (OptModel model = TinyModels.random(TinyModels.opt125mShaped(64), 3)) {
            assertSameSteps(model, mask, 2e-5);
        }
    }

    @Test
    void bfloat16Matrices() {
        try (OptModel model = OptModel.random(TinyModels.opt125mShaped(64), 4, Engine.getInstance().defaultDevice(),
                ComputeType.BFLOAT16)) {
            // both round each product's input to bfloat16, but a float32 difference of one ulp before the rounding
            // moves an element by 2^-8 when it lies on a rounding boundary: measured 0.004 after 24 steps, against
            // bfloat16's 0.025 from float32 (OptReducedPrecisionTest); a wrong step differs by whole logits
            assertSameSteps(model, null, 0.01);
        }
    }

    @Test
    void weightOnlyInt8() {
        try (OptModel model = TinyModels.random(TinyModels.opt350mShaped(64), 5)) {
            model.quantizeInt8();
            assertSameSteps(model, null, 2e-5);
        }
    }

    @Test
    void leavesOtherStepsToLibtorch() {
        OptConfig config = TinyModels.opt125mShaped(64);
        try (OptModel model = TinyModels.random(config, 6); NDManager m = NDManager.newBaseManager();
                KvCache cache = model.newCache(m)) {
            assertNull(prepare(model, new long[][] {{2}}, cache), "an empty cache: the prompt is libtorch's");
            model.nextLogits(new long[][] {PROMPT}, null, cache, m);
            assertNotNull(prepare(model, new long[][] {{9}}, cache));
            System.setProperty(DecodeThreads.STEP_PROPERTY, "libtorch");
            try {
                assertNull(prepare(model, new long[][] {{9}}, cache), "turned off by the system property");
            } finally {
                System.clearProperty(DecodeThreads.STEP_PROPERTY);
            }
            try (KvCache two = model.newCache(m)) {
                model.nextLogits(new long[][] {PROMPT, PROMPT}, null, two, m);
                assertNull(prepare(model, new long[][] {{9}, {9}}, two), "two sequences");
            }
            try (OptModel adapted = model.withAdapter(TinyModels.adapter(model, List.of("q_proj"), false, 7))) {
                assertNull(prepare(adapted, new long[][] {{9}}, cache), "an unmerged LoRA layer");
            }
        }
        if (LibtorchOps.fbgemmAvailable()) {
            try (OptModel dynamic = TinyModels.random(config, 8); NDManager m = NDManager.newBaseManager();
                    KvCache cache = dynamic.newCache(m)) {
                dynamic.quantizeInt8(Int8Linear.Activations.INT8);
                dynamic.nextLogits(new long[][] {PROMPT}, null, cache, m);
                assertNull(prepare(dynamic, new long[][] {{9}}, cache), "fbgemm's dynamic int8 products");
            }
        }
    }

    private static OptDecodeStep prepare(OptModel model, long[][] ids, KvCache cache) {
        int past = Math.toIntExact(cache.length());
        OptInputs in = OptInputs.of(ids, null, past, model.config());
        return OptDecodeStep.prepare(model.network(), model.config(), in, cache);
    }

    private static void assertSameSteps(OptModel model, long[] promptMask, double tolerance) {
        JavaDecodeSteps.assertSameSteps(model, promptMask,
                cache -> prepare(model, new long[][] {{9}}, cache) != null, tolerance);
    }
}
