package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {
    private static final double LR = 1e-3;
    private static final double WD = 0.05;

    static Parameter parameter(String name, NDArray value) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.OTHER).build();
        p.setArray(value);
        return p;
    }

    /** Makes each array's gradient exactly the given values: backward of sum(p * g). */
    static void setGradients(NDManager manager, Map<NDArray, float[]> grads) {
        // identity keys: NDArray.equals compares contents
        try (NDManager scope = manager.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = scope.zeros(new Shape());
            for (Map.Entry<NDArray, float[]> e : grads.entrySet()) {
                NDArray g = scope.create(e.getValue(), e.getKey().getShape());
                loss = loss.add(g.mul(e.getKey()).sum());
            }
            gc.backward(loss);
        }
    }

    /** @return an identity map of arrays to their gradients, from alternating (NDArray, float[]) arguments */
    static Map<NDArray, float[]> grads(Object... pairs) {
        Map<NDArray, float[]> out = new IdentityHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put((NDArray) pairs[i], (float[]) pairs[i + 1]);
        }
        return out;
    }

    /** Java-double AdamW (the brief's closed form), step t, per element. */
    static double[] referenceStep(double[] p, double[] m, double[] v, float[] g, int t, double wd) {
        double b1 = 0.9;
        double b2 = 0.999;
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double q = p[i] * (1 - LR * wd);
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * (double) g[i];
            double bc1 = 1 - Math.pow(b1, t);
            double bc2 = 1 - Math.pow(b2, t);
            out[i] = q - (LR / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8);
        }
        return out;
    }

    @Test
    void oneStepFromZeroStateMatchesTheClosedForm() {
        float[] w0 = {0.5f, -1.25f, 2f, 0.125f, -0.75f, 3f};
        float[] g = {0.1f, -0.02f, 3f, 1e-5f, -0.4f, 0f};
        float[] b0 = {0.3f, -0.2f};
        float[] gb = {0.05f, -1f};
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w = manager.create(w0, new Shape(2, 3));
            NDArray b = manager.create(b0);
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            List<TrainableParameter> params = List.of(new TrainableParameter("w", parameter("w", w), true),
                    new TrainableParameter("b", parameter("b", b), false));
            try (AdamW adam = new AdamW(params, AdamWSettings.lavisDefaults())) {
                setGradients(manager, grads(w, g, b, gb));
                adam.step(LR);
                // closed form at step 1: p *= 1 - lr*wd; m = 0.1 g; v = 0.001 g^2;
                // p -= (lr / 0.1) * m / (sqrt(v) / sqrt(0.001) + eps)
                float[] actualW = w.toFloatArray();
                for (int i = 0; i < w0.length; i++) {
                    double p = w0[i] * (1 - LR * WD);
                    double m = 0.1 * g[i];
                    double v = 0.001 * g[i] * (double) g[i];
                    double expected = p - (LR / 0.1) * m / (Math.sqrt(v) / Math.sqrt(0.001) + 1e-8);
                    assertEquals(expected, actualW[i], 1e-7 * Math.max(1, Math.abs(expected)), "w[" + i + "]");
                }
                // the zero gradient gives exactly p0 * float32(1 - lr*wd)
                assertEquals(w0[5] * (float) (1 - LR * WD), actualW[5], 0f);
                float[] actualB = b.toFloatArray();
                for (int i = 0; i < b0.length; i++) { // no-decay group
                    double m = 0.1 * gb[i];
                    double v = 0.001 * gb[i] * (double) gb[i];
                    double expected = b0[i] - (LR / 0.1) * m / (Math.sqrt(v) / Math.sqrt(0.001) + 1e-8);
                    assertEquals(expected, actualB[i], 1e-7, "b[" + i + "]");
                }
                assertEquals(1, adam.stepCount("w"));
            }
        }
    }

    @Test
    void severalStepsFollowTheBiasCorrectedFormula() {
        float[] w0 = {0.5f, -1.25f, 2f, 0.125f};
        float[][] grads = {{0.1f, -0.02f, 3f, 1e-3f}, {-0.3f, 0.5f, 1f, 2e-3f}, {0.2f, 0.2f, -2f, -1e-3f}};
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w = manager.create(w0);
            w.setRequiresGradient(true);
            List<TrainableParameter> params = List.of(new TrainableParameter("w", parameter("w", w), true));
            double[] p = new double[w0.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = w0[i];
            }
            double[] m = new double[w0.length];
            double[] v = new double[w0.length];
            try (AdamW adam = new AdamW(params, AdamWSettings.lavisDefaults())) {
                for (int t = 1; t <= grads.length; t++) {
                    Gradients.zero(w);
                    setGradients(manager, grads(w, grads[t - 1]));
                    adam.step(LR);
                    p = referenceStep(p, m, v, grads[t - 1], t, WD);
                    float[] actual = w.toFloatArray();
                    for (int i = 0; i < p.length; i++) {
                        assertEquals(p[i], actual[i], 2e-7, "step " + t + ", element " + i);
                    }
                }
                assertEquals(3, adam.stepCount("w"));
            }
        }
    }

    @Test
    void parametersWithoutGradientAreSkippedEntirely() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray used = manager.create(new float[] {1f, 2f});
            NDArray unused = manager.create(new float[] {3f, 4f});
            used.setRequiresGradient(true);
            unused.setRequiresGradient(true);
            List<TrainableParameter> params = List.of(new TrainableParameter("used", parameter("used", used), true),
                    new TrainableParameter("unused", parameter("unused", unused), true));
            try (AdamW adam = new AdamW(params, AdamWSettings.lavisDefaults())) {
                assertNull(Gradients.gradientOf(unused));
                setGradients(manager, grads(used, new float[] {1f, 1f}));
                adam.step(LR);
                assertEquals(3f, unused.toFloatArray()[0], 0f);
                assertEquals(0, adam.stepCount("unused"));
                assertEquals(1, adam.stepCount("used"));
            }
        }
    }

    @Test
    void stateSavedToSafetensorsResumesBitForBit(@TempDir Path dir) {
        float[] w0 = {0.5f, -1.25f, 2f, 0.125f};
        float[][] grads = {{0.1f, -0.02f, 3f, 1e-3f}, {-0.3f, 0.5f, 1f, 2e-3f}, {0.2f, 0.2f, -2f, -1e-3f},
            {0.7f, -0.1f, 0.05f, 4f}};
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(w0);
            NDArray b = manager.create(w0);
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            Path file = dir.resolve("adam.safetensors");
            try (AdamW first = new AdamW(List.of(new TrainableParameter("w", parameter("w", a), true)),
                    AdamWSettings.lavisDefaults())) {
                for (int t = 0; t < 2; t++) {
                    Gradients.zero(a);
                    setGradients(manager, grads(a, grads[t]));
                    first.step(LR);
                }
                try (NDManager scope = manager.newSubManager()) {
                    Map<String, NDArray> tensors = new LinkedHashMap<>(first.stateTensors("opt.", scope));
                    tensors.put("w", a);
                    new SafetensorsWriter().write(file, tensors);
                }
                try (StateDict dict = StateDict.open(file);
                        AdamW second = new AdamW(List.of(new TrainableParameter("w", parameter("w", b), true)),
                                AdamWSettings.lavisDefaults())) {
                    try (NDManager scope = manager.newSubManager()) {
                        dict.get("w", scope).copyTo(b);
                    }
                    second.loadState(dict, "opt.");
                    assertEquals(2, second.stepCount("w"));
                    for (int t = 2; t < 4; t++) {
                        Gradients.zero(a);
                        Gradients.zero(b);
                        setGradients(manager, grads(a, grads[t], b, grads[t]));
                        first.step(LR);
                        second.step(LR);
                    }
                    Oracle.assertBitwiseEquals("resumed parameter", a.toFloatArray(), b.toFloatArray());
                }
            }
        }
    }

    @Test
    void loadingStateOfAnotherParameterSetIsRejected(@TempDir Path dir) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {1f, 2f});
            a.setRequiresGradient(true);
            Path file = dir.resolve("adam.safetensors");
            try (NDManager scope = manager.newSubManager()) {
                new SafetensorsWriter().write(file, Map.of("opt.other.exp_avg", scope.zeros(new Shape(2)),
                        "opt.other.exp_avg_sq", scope.zeros(new Shape(2)), "opt.other.step", scope.create(1L)));
            }
            try (StateDict dict = StateDict.open(file);
                    AdamW adam = new AdamW(List.of(new TrainableParameter("w", parameter("w", a), true)),
                            AdamWSettings.lavisDefaults())) {
                CheckpointException e = assertThrows(CheckpointException.class, () -> adam.loadState(dict, "opt."));
                assertTrue(e.getMessage().contains("opt.other.exp_avg"), e.getMessage());
            }
        }
    }

    @Test
    void lavisGroupsPutBiasesNormsAndVectorsInTheNoDecayGroup() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, Parameter> named = new LinkedHashMap<>();
            named.put("blocks.0.attn.qkv.weight", parameter("a", manager.zeros(new Shape(6, 2))));
            named.put("blocks.0.attn.qkv.bias", parameter("b", manager.zeros(new Shape(6))));
            named.put("ln_vision.weight", parameter("c", manager.zeros(new Shape(2))));
            named.put("temp", parameter("d", manager.zeros(new Shape())));
            named.put("query_tokens", parameter("e", manager.zeros(new Shape(1, 4, 2))));
            List<Boolean> decay = TrainableParameter.lavisGroups(named).stream()
                    .map(TrainableParameter::weightDecay).toList();
            assertEquals(List.of(true, false, false, false, true), decay);
        }
    }

    /**
     * One step of every trainable parameter of the stage-2 and stage-1 fixtures, given the reference gradients,
     * against PyTorch's {@code step1.*} (plain AdamW, all decayed) and {@code step1_runner.*} (LAVIS groups).
     */
    @Test
    void oneStepMatchesPyTorchOnTheTrainingFixtures() {
        try (StateDict weights = StateDict.open(Oracle.path("v2-tiny", "weights.safetensors"),
                        Oracle.path("train-stage2-tiny", "weights_text_head.safetensors"));
                StateDict expected = StateDict.open(Oracle.path("train-stage2-tiny", "expected.safetensors"))) {
            checkFixture("stage 2", weights, expected);
        }
        try (StateDict weights = StateDict.open(Oracle.path("train-stage1-tiny", "weights.safetensors"));
                StateDict expected = StateDict.open(Oracle.path("train-stage1-tiny", "expected.safetensors"))) {
            checkFixture("stage 1", weights, expected);
        }
    }

    private static void checkFixture(String what, StateDict weights, StateDict expected) {
        for (boolean runner : new boolean[] {false, true}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Map<String, Parameter> named = new LinkedHashMap<>();
                Map<NDArray, float[]> grads = new IdentityHashMap<>();
                for (String key : expected.keys()) {
                    String name = key.startsWith("step1.") ? key.substring("step1.".length())
                            : key.startsWith("step1_rowvals.") ? key.substring("step1_rowvals.".length()) : null;
                    if (name == null) {
                        continue;
                    }
                    NDArray p = weights.get(name, manager);
                    p.setRequiresGradient(true);
                    named.put(name, parameter(name, p));
                    grads.put(p, gradient(expected, name, p.getShape()));
                }
                List<TrainableParameter> params = runner ? TrainableParameter.lavisGroups(named)
                        : TrainableParameter.allDecayed(named);
                setGradients(manager, grads);
                try (AdamW adam = new AdamW(params, AdamWSettings.lavisDefaults())) {
                    adam.step(LR);
                }
                int compared = 0;
                for (TrainableParameter tp : params) {
                    String name = tp.name();
                    String expectedKey = runner && expected.contains("step1_runner." + name)
                            ? "step1_runner." + name : "step1." + name;
                    if (runner && !tp.weightDecay() && !expected.contains("step1_runner." + name)) {
                        fail(what + ": no-decay parameter " + name + " has no step1_runner entry");
                    }
                    float[] grad = grads.get(tp.parameter().getArray());
                    float[] actual = tp.parameter().getArray().toFloatArray();
                    if (expected.contains(expectedKey)) {
                        compareMasked(what + " " + expectedKey, expected.getFloats(expectedKey), actual, grad);
                    } else {
                        compareRowSparse(what, expected, weights, name, actual, grad);
                    }
                    compared++;
                }
                assertTrue(compared > 50, what + ": only " + compared + " parameters compared");
            }
        }
    }

    private static float[] gradient(StateDict expected, String name, Shape shape) {
        if (expected.contains("grad." + name)) {
            return expected.getFloats("grad." + name);
        }
        float[] g = new float[Math.toIntExact(shape.size())];
        long[] rows = rowIds(expected, name);
        float[] values = expected.getFloats("grad_rowvals." + name);
        int width = Math.toIntExact(shape.get(1));
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(values, r * width, g, Math.toIntExact(rows[r] * width), width);
        }
        return g;
    }

    private static long[] rowIds(StateDict expected, String name) {
        try (NDManager m = NDManager.newBaseManager()) {
            return expected.get("grad_rows." + name, m).toType(DataType.INT64, false).toLongArray();
        }
    }

    /** step1 within 2e-6 where |grad| >= 1e-6, within 2 lr elsewhere (the fixture's tolerance rule). */
    private static void compareMasked(String what, float[] expected, float[] actual, float[] grad) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = Math.abs(grad[i]) >= 1e-6 ? 2e-6 : 2 * LR;
            if (Math.abs(expected[i] - actual[i]) > tol) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (grad " + grad[i]
                        + ")");
            }
        }
    }

    private static void compareRowSparse(String what, StateDict expected, StateDict weights, String name,
            float[] actual, float[] grad) {
        long[] rows = rowIds(expected, name);
        float[] rowVals = expected.getFloats("step1_rowvals." + name);
        float[] p0 = weights.getFloats(name);
        int width = rowVals.length / rows.length;
        List<Long> touched = new ArrayList<>();
        for (long r : rows) {
            touched.add(r);
        }
        for (int row = 0; row < actual.length / width; row++) {
            int at = touched.indexOf((long) row);
            for (int c = 0; c < width; c++) {
                int i = row * width + c;
                if (at >= 0) {
                    float e = rowVals[at * width + c];
                    double tol = Math.abs(grad[i]) >= 1e-6 ? 2e-6 : 2 * LR;
                    assertTrue(Math.abs(e - actual[i]) <= tol, what + " " + name + " row " + row);
                } else {
                    assertEquals(p0[i] * (float) (1 - LR * WD), actual[i], 0f, what + " " + name + " row " + row);
                }
            }
        }
    }
}
