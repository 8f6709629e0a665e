package dev.seedj.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.train.AdamW;
import dev.seedj.core.train.AdamWSettings;
import dev.seedj.core.train.Gradients;
import dev.seedj.core.train.TrainableParameter;
import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.TokenizerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code train-*} oracle case: its expected tensors, its case.json, and the comparisons the README asks for.
 * Registered as a static JUnit extension, it opens the case before a test class's tests and closes it after them.
 */
final class TrainingFixture implements BeforeAllCallback, AfterAllCallback {
    static final double LR = 1e-3;
    static final double WD = 0.05;
    private static final Logger LOG = LoggerFactory.getLogger(TrainingFixture.class);

    private final String caseName;
    StateDict expected;
    JsonObject caseJson;

    TrainingFixture(String caseName) {
        this.caseName = caseName;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        expected = StateDict.open(Oracle.path(caseName, "expected.safetensors"));
        caseJson = JsonParser.parseString(Files.readString(Oracle.path(caseName, "case.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        expected.close();
    }

    /** @return the v2-tiny tokenizer config from the tokenizer tests' resources */
    static TokenizerConfig tinyConfig() {
        try (InputStream in = TrainingFixture.class.getResourceAsStream("/dev/seedj/tokenizer/v2-tiny.json")) {
            assertNotNull(in, "test resource v2-tiny.json");
            return TokenizerConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the names case.json lists as trainable */
    Set<String> trainableNames() {
        Set<String> out = new LinkedHashSet<>();
        for (JsonElement e : caseJson.getAsJsonObject("trainable").getAsJsonArray("trainable_params")) {
            JsonElement first = e.isJsonArray() ? e.getAsJsonArray().get(0) : e;
            out.add(first.getAsString());
        }
        return out;
    }

    /** @return the gradient tensors that are mathematically zero (checked for size only) */
    Set<String> noiseOnly() {
        Set<String> out = new LinkedHashSet<>();
        JsonArray a = caseJson.getAsJsonObject("recommended_tolerance").getAsJsonObject("grads_relative")
                .getAsJsonArray("noise_only_tensors");
        a.forEach(x -> out.add(x.getAsString()));
        return out;
    }

    float loss(String name) {
        return expected.getFloats("loss." + name)[0];
    }

    /**
     * Asserts each {@code losses[i]} equals {@code loss.<names[i]>} within 1e-5, then the gradients
     * ({@link #assertGradients}, 3e-5 relative) and one all-decayed AdamW step ({@code step1.*}, 2e-6), and logs
     * the worst errors.
     */
    void assertLossesGradientsAndStep(String[] names, float[] losses, Map<String, Parameter> trainable) {
        double worstLoss = 0;
        for (int i = 0; i < names.length; i++) {
            assertEquals(loss(names[i]), losses[i], 1e-5, names[i]);
            worstLoss = Math.max(worstLoss, Math.abs(loss(names[i]) - losses[i]));
        }
        double worstGrad = assertGradients(trainable, 3e-5);
        adamWStep(TrainableParameter.allDecayed(trainable));
        double worstStep = assertStep("step1.", trainable, trainable.keySet(), 2e-6);
        LOG.info("{} parity: loss {} grad(rel) {} step1 {}", caseName, worstLoss, worstGrad, worstStep);
    }

    /** Asserts the network trains exactly the parameters case.json lists as trainable. */
    void assertTrainsExactly(Map<String, Parameter> trainable) {
        assertEquals(new TreeSet<>(trainableNames()), new TreeSet<>(trainable.keySet()));
    }

    /** Takes one AdamW step with LAVIS's runner groups and compares it with the {@code step1_runner.*} tensors. */
    void assertLavisRunnerStep(Map<String, Parameter> trainable, int expectedTensors) {
        adamWStep(TrainableParameter.lavisGroups(trainable));
        Set<String> names = new TreeSet<>();
        expected.keys().stream().filter(k -> k.startsWith("step1_runner."))
                .forEach(k -> names.add(k.substring("step1_runner.".length())));
        assertEquals(expectedTensors, names.size());
        assertStep("step1_runner.", trainable, names, 2e-6);
    }

    private static void adamWStep(List<TrainableParameter> groups) {
        try (AdamW adamW = new AdamW(groups, new AdamWSettings(0.9, 0.999, 1e-8, WD))) {
            adamW.step(LR);
        }
    }

    /**
     * Compares every {@code grad.*} (and row-sparse gradient) with the parameters' autograd gradients.
     *
     * @return the worst relative error (|diff| / max|expected|) over the compared tensors
     */
    double assertGradients(Map<String, Parameter> params, double rtol) {
        Set<String> noise = noiseOnly();
        double worst = 0;
        List<String> checked = new ArrayList<>();
        for (String key : expected.keys()) {
            if (!key.startsWith("grad.")) {
                continue;
            }
            String name = key.substring("grad.".length());
            Parameter p = params.get(name);
            assertNotNull(p, "trainable parameter " + name);
            float[] actual = gradient(p);
            float[] want = expected.getFloats(key);
            assertEquals(want.length, actual.length, key);
            if (noise.contains(key)) {
                assertTrue(maxAbs(actual) < 1e-6, key + " should be float noise, max " + maxAbs(actual));
                checked.add(name);
                continue;
            }
            double scale = Math.max(maxAbs(want), 1e-30);
            double err = maxDiff(want, actual) / scale;
            assertTrue(err <= rtol, key + ": relative error " + err + " > " + rtol + " (max|g| " + scale + ")");
            worst = Math.max(worst, err);
            checked.add(name);
        }
        for (String key : expected.keys()) {
            if (key.startsWith("grad_rows.")) {
                String name = key.substring("grad_rows.".length());
                worst = Math.max(worst, assertRowGradient(name, params.get(name), rtol));
                checked.add(name);
            }
        }
        assertEquals(params.size(), checked.size(), "every trainable parameter has an expected gradient");
        return worst;
    }

    private double assertRowGradient(String name, Parameter p, double rtol) {
        long[] rows = expected.get("grad_rows." + name, p.getArray().getManager()).toLongArray();
        float[] want = expected.getFloats("grad_rowvals." + name);
        float[] grad = gradient(p);
        int width = (int) p.getArray().getShape().get(1);
        float[] actual = new float[want.length];
        Set<Long> listed = new LinkedHashSet<>();
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(grad, (int) rows[i] * width, actual, i * width, width);
            listed.add(rows[i]);
        }
        for (int r = 0; r < grad.length / width; r++) {
            if (!listed.contains((long) r)) {
                for (int c = 0; c < width; c++) {
                    if (grad[r * width + c] != 0f) {
                        fail(name + ": row " + r + " should have zero gradient");
                    }
                }
            }
        }
        double err = maxDiff(want, actual) / maxAbs(want);
        assertTrue(err <= rtol, name + " rows: relative error " + err);
        return err;
    }

    /**
     * Compares parameters after one AdamW step with {@code <prefix><name>} where |expected grad| >= 1e-6, and within
     * 2 lr elsewhere.
     *
     * @return the worst absolute error where the gradient is not tiny
     */
    double assertStep(String prefix, Map<String, Parameter> params, Set<String> names, double atol) {
        double worst = 0;
        for (String name : names) {
            Parameter p = params.get(name);
            float[] actual = p.getArray().toFloatArray();
            if (expected.contains(prefix + name)) {
                float[] want = expected.getFloats(prefix + name);
                float[] g = expected.getFloats("grad." + name);
                worst = Math.max(worst, compareMasked(prefix + name, want, actual, g, atol));
            } else if (expected.contains("grad_rows." + name) && prefix.equals("step1.")) {
                worst = Math.max(worst, assertRowStep(name, p, actual, atol));
            } else if (prefix.equals("step1.")) {
                fail("no expected " + prefix + name);
            }
        }
        return worst;
    }

    private double assertRowStep(String name, Parameter p, float[] actual, double atol) {
        long[] rows = expected.get("grad_rows." + name, p.getArray().getManager()).toLongArray();
        float[] want = expected.getFloats("step1_rowvals." + name);
        float[] g = expected.getFloats("grad_rowvals." + name);
        int width = (int) p.getArray().getShape().get(1);
        float[] picked = new float[want.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(actual, (int) rows[i] * width, picked, i * width, width);
        }
        return compareMasked("step1_rowvals." + name, want, picked, g, atol);
    }

    private static double compareMasked(String what, float[] want, float[] actual, float[] grad, double atol) {
        assertEquals(want.length, actual.length, what);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs(want[i] - actual[i]);
            if (Math.abs(grad[i]) >= 1e-6) {
                if (d > atol) {
                    fail(what + "[" + i + "]: expected " + want[i] + " got " + actual[i] + " (grad " + grad[i] + ")");
                }
                worst = Math.max(worst, d);
            } else if (d > 2 * LR) {
                fail(what + "[" + i + "]: tiny-gradient element off by " + d);
            }
        }
        return worst;
    }

    static float[] gradient(Parameter p) {
        try (NDArray g = Gradients.gradientOf(p.getArray())) {
            assertNotNull(g, "no gradient reached " + p.getName());
            return g.toFloatArray();
        }
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

}
