package dev.seedj.llm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonArray;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.train.AdamW;
import dev.seedj.core.train.AdamWSettings;
import dev.seedj.core.train.Gradients;
import dev.seedj.core.train.TrainableParameter;
import dev.seedj.core.weights.StateDict;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.LoraConfig;
import dev.seedj.llm.OptModel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acceptance 1 for LoRA: loss, gradients and one AdamW step against {@code train-lora-tiny} (opt-tiny, LoRA r 4 on
 * q/v_proj with non-zero B, a trainable {@code embed_tokens} copy, lm_head on the frozen base matrix).
 */
class LoraParityTest {
    private static final Logger LOG = LoggerFactory.getLogger(LoraParityTest.class);
    private static final String EMBED_KEY = "base_model.model.model.decoder.embed_tokens.weight";
    private static final double LR = 1e-3;
    private static final double WD = 0.05;

    @Test
    void lossGradientsAndOneAdamWStepMatchTheReference() {
        Path optDir = Oracle.path("opt-tiny");
        Path expectedFile = Oracle.path("train-lora-tiny", "expected.safetensors");
        try (OptModel base = OptModel.load(optDir);
                LoraAdapter oracleAdapter = LoraAdapter.load(optDir.resolve("lora_adapter"));
                StateDict expected = StateDict.open(expectedFile);
                NDManager manager = NDManager.newBaseManager()) {
            JsonArray save = new JsonArray();
            save.add("embed_tokens");
            LoraConfig config = oracleAdapter.config().with("modules_to_save", save);
            OptModel model;
            try (LoraAdapter start = AdapterInit.initial(base, config, oracleAdapter, 0)) {
                model = base.withAdapter(start);
            }
            Map<String, Parameter> trainable = model.adapterParameters();
            Set<String> expectedNames = expected.keys().stream().filter(k -> k.startsWith("grad."))
                    .map(k -> k.substring(5)).collect(Collectors.toCollection(TreeSet::new));
            expectedNames.add(EMBED_KEY);
            assertEquals(expectedNames, new TreeSet<>(trainable.keySet()), "trainable parameters");
            assertEquals(590464L, trainable.values().stream().mapToLong(p -> p.getArray().size()).sum());

            float[] embed0 = trainable.get(EMBED_KEY).getArray().toFloatArray();
            trainable.values().forEach(p -> p.getArray().setRequiresGradient(true));
            LmBatch batch = new LmBatch(longs2d(expected, "input.input_ids", manager),
                    longs2d(expected, "input.attention_mask", manager), longs2d(expected, "input.labels", manager));
            assertEquals(41, batch.targetCount());

            Map<String, float[]> grads = new HashMap<>();
            try (NDManager step = manager.newSubManager()) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = CausalLmLoss.compute(model, batch, step);
                    LOG.info("loss {} (reference {})", loss.getFloat(), expected.getFloats("loss.total")[0]);
                    assertEquals(expected.getFloats("loss.total")[0], loss.getFloat(), 5e-6, "loss.total");
                    collector.backward(loss);
                }
            }
            for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
                try (NDArray g = Gradients.gradientOf(e.getValue().getArray())) {
                    grads.put(e.getKey(), g.toFloatArray());
                }
            }
            for (String name : trainable.keySet()) {
                if (!name.equals(EMBED_KEY)) {
                    assertRelativeClose("grad." + name, expected.getFloats("grad." + name), grads.get(name), 3e-5);
                }
            }
            long[] rows = expected.get("grad_rows." + EMBED_KEY, manager).toLongArray();
            int dim = 64;
            float[] embedGrad = grads.get(EMBED_KEY);
            assertRelativeClose("grad_rowvals.embed", expected.getFloats("grad_rowvals." + EMBED_KEY),
                    rowsOf(embedGrad, rows, dim), 3e-5);
            Set<Long> rowSet = java.util.Arrays.stream(rows).boxed().collect(Collectors.toSet());
            for (int r = 0; r < embedGrad.length / dim; r++) {
                if (!rowSet.contains((long) r)) {
                    for (int c = 0; c < dim; c++) {
                        assertEquals(0f, embedGrad[r * dim + c], "embed gradient outside the input rows, row " + r);
                    }
                }
            }

            List<TrainableParameter> params = TrainableParameter.allDecayed(trainable);
            try (AdamW adamW = new AdamW(params, new AdamWSettings(0.9, 0.999, 1e-8, WD))) {
                adamW.step(LR);
            }
            for (String name : trainable.keySet()) {
                if (!name.equals(EMBED_KEY)) {
                    assertStepClose("step1." + name, expected.getFloats("step1." + name),
                            trainable.get(name).getArray().toFloatArray(), expected.getFloats("grad." + name));
                }
            }
            float[] embed1 = trainable.get(EMBED_KEY).getArray().toFloatArray();
            assertStepClose("step1_rowvals.embed", expected.getFloats("step1_rowvals." + EMBED_KEY),
                    rowsOf(embed1, rows, dim), expected.getFloats("grad_rowvals." + EMBED_KEY));
            float decay = (float) (1 - LR * WD);
            for (int r = 0; r < embed1.length / dim; r++) {
                if (!rowSet.contains((long) r)) {
                    for (int c = 0; c < dim; c++) {
                        assertEquals(embed0[r * dim + c] * decay, embed1[r * dim + c],
                                "untouched embedding row " + r + " is only decayed");
                    }
                }
            }
            model.close();
        }
    }

    static long[][] longs2d(StateDict sd, String key, NDManager manager) {
        NDArray a = sd.get(key, manager);
        int b = (int) a.getShape().get(0);
        int t = (int) a.getShape().get(1);
        long[] flat = a.toLongArray();
        long[][] out = new long[b][t];
        for (int r = 0; r < b; r++) {
            System.arraycopy(flat, r * t, out[r], 0, t);
        }
        return out;
    }

    private static float[] rowsOf(float[] matrix, long[] rows, int dim) {
        float[] out = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(matrix, (int) rows[i] * dim, out, i * dim, dim);
        }
        return out;
    }

    /** |actual - expected| <= rtol * max|expected| element-wise (the fixture's per-tensor relative rule). */
    private static void assertRelativeClose(String what, float[] expected, float[] actual, double rtol) {
        assertEquals(expected.length, actual.length, what + " size");
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertTrue(scale > 1e-6, what + " is not all zero in the fixture");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        LOG.info("{}: max |diff| {} = {} x max|grad|", what, worst, worst / scale);
        assertTrue(worst <= rtol * scale, what + ": max |diff| " + worst + " > " + rtol + " * " + scale);
    }

    /** Step-1 parameters: 1e-6 where |expected grad| >= 1e-6, within 2 lr elsewhere. */
    private static void assertStepClose(String what, float[] expected, float[] actual, float[] grad) {
        assertEquals(expected.length, actual.length, what + " size");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(actual[i] - expected[i]);
            if (Math.abs(grad[i]) >= 1e-6) {
                worst = Math.max(worst, diff);
            } else {
                assertTrue(diff <= 2 * LR, what + "[" + i + "] off by " + diff + " where the gradient is tiny");
            }
        }
        LOG.info("{}: max |diff| {} where |grad| >= 1e-6", what, worst);
        assertTrue(worst <= 1e-6, what + ": max |diff| " + worst);
    }
}
