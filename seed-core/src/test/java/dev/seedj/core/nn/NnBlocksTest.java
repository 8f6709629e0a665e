package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.CheckpointException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NnBlocksTest {
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static float[] random(Random rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    @Test
    void linearComputesXWTransposePlusBias() {
        Linear linear = new Linear(2, 3, true);
        new InMemoryStateDict()
                .put("weight", new float[] {1, 2, 3, 4, 5, 6}, 3, 2)
                .put("bias", new float[] {0.5f, -1, 2}, 3)
                .loadInto(linear, manager);
        NDArray y = linear.forward(manager.create(new float[] {1, -1, 2, 0.5f}, new Shape(2, 2)));
        assertArrayEquals(new float[] {-0.5f, -2, 1, 3.5f, 7, 15}, y.toFloatArray(), 1e-6f);
    }

    @Test
    void geluIsTheExactErfForm() {
        NDArray x = manager.create(new float[] {-2f, -0.5f, 1f, 3f});
        float[] y = ActivationFunction.GELU.apply(x).toFloatArray();
        // x * Phi(x), from erf in double precision; the tanh approximation differs by > 1e-4 at x = 1
        double[] expected = {-0.04550026389635842, -0.15426876936299344, 0.8413447460685429, 2.99595030590511};
        for (int i = 0; i < y.length; i++) {
            assertEquals(expected[i], y[i], 1e-6, "gelu at index " + i);
        }
    }

    @Test
    void layerNormUsesItsEpsilon() {
        LayerNorm ln = new LayerNorm(2, 1f);
        ln.initializeParameters(manager);
        // mean 0, variance 1: (x - 0) / sqrt(1 + eps) with eps = 1
        float[] y = ln.forward(manager.create(new float[] {1, -1})).toFloatArray();
        assertArrayEquals(new float[] {(float) (1 / Math.sqrt(2)), (float) (-1 / Math.sqrt(2))}, y, 1e-6f);
    }

    @Test
    void layerNormOfAJavaRowEqualsTheArrayForm() {
        Random rng = new Random(3);
        LayerNorm ln = new LayerNorm(37, 1e-5f);
        new InMemoryStateDict().put("weight", random(rng, 37), 37).put("bias", random(rng, 37), 37)
                .loadInto(ln, manager);
        float[] x = random(rng, 37);
        for (int i = 0; i < x.length; i++) {
            x[i] = 3 + 2 * x[i]; // a mean and a spread far from 0 and 1
        }
        assertArrayEquals(ln.forward(manager.create(x)).toFloatArray(), ln.forwardRow(x), 2e-6f);
        assertThrows(IllegalArgumentException.class, () -> ln.forwardRow(new float[36]));
    }

    @Test
    void embeddingRejectsIdsOutOfRange() {
        Embedding emb = new Embedding(4, 2);
        emb.initializeParameters(manager);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> emb.forward(manager.create(new long[] {1, 4})));
        assertTrue(e.getMessage().contains("found 4"), e.getMessage());
        assertEquals(new Shape(2, 2), emb.forward(manager.create(new long[] {0, 3})).getShape());
        assertArrayEquals(emb.forward(manager.create(new long[] {3})).toFloatArray(), emb.row(3));
        IllegalArgumentException row = assertThrows(IllegalArgumentException.class, () -> emb.row(-1));
        assertTrue(row.getMessage().contains("found -1"), row.getMessage());
    }

    @Test
    void cachedIncrementalAttentionEqualsFullCausalAttention() {
        MultiHeadAttention attn = new MultiHeadAttention(8, 8, 2, new MultiHeadAttention.Names("q_proj", "k_proj", "v_proj", "out_proj"));
        attn.initializeParameters(manager);
        Random rng = new Random(3);
        NDArray x = manager.create(random(rng, 2 * 5 * 8), new Shape(2, 5, 8));
        float[] maskValues = new float[25];
        for (int i = 0; i < 5; i++) {
            for (int j = i + 1; j < 5; j++) {
                maskValues[i * 5 + j] = -1e9f;
            }
        }
        NDArray causal = manager.create(maskValues, new Shape(5, 5)); // [Tq, Tk]
        float[] full = attn.forward(x, null, causal).toFloatArray();
        try (KvCache cache = new KvCache(manager, 1)) {
            NDArray prefix = attn.forward(x.get(":, :3, :"), null, causal.get(":3, :3"), cache, 0);
            NDArray step4 = attn.forward(x.get(":, 3:4, :"), null, null, cache, 0);
            NDArray step5 = attn.forward(x.get(":, 4:5, :"), null, null, cache, 0);
            assertEquals(5, cache.length());
            float[] incremental = prefix.concat(step4, 1).concat(step5, 1).toFloatArray();
            assertArrayEquals(full, incremental, 1e-5f);
        }
    }

    @Test
    void evaQkvBiasHasNoKeyBias() {
        FusedQkvAttention eva = new FusedQkvAttention(4, 1, FusedQkvAttention.QkvBias.QUERY_AND_VALUE);
        FusedQkvAttention full = new FusedQkvAttention(4, 1, FusedQkvAttention.QkvBias.FULL);
        Random rng = new Random(5);
        float[] w = random(rng, 12 * 4);
        float[] q = random(rng, 4);
        float[] v = random(rng, 4);
        float[] proj = random(rng, 16);
        float[] projBias = random(rng, 4);
        float[] qkvBias = new float[12];
        System.arraycopy(q, 0, qkvBias, 0, 4);
        System.arraycopy(v, 0, qkvBias, 8, 4);
        StateDictLoader.load(eva, new InMemoryStateDict().put("qkv.weight", w, 12, 4).put("q_bias", q, 4)
                .put("v_bias", v, 4).put("proj.weight", proj, 4, 4).put("proj.bias", projBias, 4), manager);
        StateDictLoader.load(full, new InMemoryStateDict().put("qkv.weight", w, 12, 4).put("qkv.bias", qkvBias, 12)
                .put("proj.weight", proj, 4, 4).put("proj.bias", projBias, 4), manager);
        NDArray x = manager.create(random(rng, 3 * 4), new Shape(1, 3, 4));
        assertArrayEquals(full.forward(x, null).toFloatArray(), eva.forward(x, null).toFloatArray(), 1e-6f);
    }

    @Test
    void loaderNamesMissingAndMismatchedWeightsAndReportsUnexpectedOnes() {
        VitBlock block = new VitBlock(4, 2, 8, 1e-6f, FusedQkvAttention.QkvBias.FULL);
        assertEquals(List.of("norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
                "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight",
                "mlp.fc2.bias"), List.copyOf(block.namedParameters().keySet()));

        InMemoryStateDict partial = new InMemoryStateDict().put("norm1.weight", new float[4], 4);
        CheckpointException missing = assertThrows(
                CheckpointException.class, () -> StateDictLoader.load(block, partial, manager));
        assertTrue(missing.getMessage().contains("11 weight(s)") && missing.getMessage().contains("mlp.fc2.bias"),
                missing.getMessage());

        InMemoryStateDict wrong = new InMemoryStateDict().put("norm1.weight", new float[5], 5);
        CheckpointException mismatch = assertThrows(
                CheckpointException.class, () -> StateDictLoader.load(block, wrong, manager, n -> true));
        assertTrue(mismatch.getMessage().contains("norm1.weight") && mismatch.getMessage().contains("[5]"),
                mismatch.getMessage());

        InMemoryStateDict extra = new InMemoryStateDict()
                .put("norm1.weight", new float[] {1, 2, 3, 4}, 4)
                .put("head.weight", new float[1], 1);
        LoadReport report = StateDictLoader.load(block, extra, manager, n -> true);
        assertEquals(List.of("norm1.weight"), report.loaded());
        assertEquals(List.of("head.weight"), report.unexpected());
        assertEquals(11, report.missingOptional().size());
        assertArrayEquals(new float[] {1, 2, 3, 4},
                block.namedParameters().get("norm1.weight").getArray().toFloatArray());
    }
}
