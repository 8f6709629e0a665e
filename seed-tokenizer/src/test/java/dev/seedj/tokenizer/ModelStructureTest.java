package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.image.ResizeMode;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.model.StageRecorder;
import dev.seedj.tokenizer.model.VisualTokenizerModel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The network's parameter names and shapes are the reference state-dict's, and nothing depends on the
 * fixture sizes: other widths, depths, heads, image sizes, query counts and batch sizes run.
 */
class ModelStructureTest {

    /** Keys the reference files carry that the tokenizer does not use. */
    private static boolean unused(String key) {
        return key.endsWith("position_ids") || key.equals("pos_embed") || key.startsWith("blocks.");
    }

    @Test
    void parameterNamesAndShapesAreTheReferenceStateDict() {
        for (String caseName : List.of("v1-tiny", "v2-tiny")) {
            VisualTokenizerModel model = new VisualTokenizerModel(TinyModels.config(caseName));
            Map<String, List<Long>> reference = new TreeMap<>();
            try (StateDict weights = StateDict.open(Oracle.path(caseName, "weights.pth"))) {
                for (String key : weights.keys()) {
                    if (!unused(key)) {
                        reference.put(key, toList(weights.info(key).shape()));
                    }
                }
            }
            Map<String, List<Long>> declared = new TreeMap<>();
            model.declaredShapes().forEach((name, shape) -> declared.put(name, toList(shape.getShape())));
            assertEquals(reference, declared, caseName + ": parameter names and shapes");
        }
    }

    private static List<Long> toList(long[] shape) {
        return java.util.Arrays.stream(shape).boxed().toList();
    }

    /**
     * Sizes unlike any fixture: a 76-pixel image (5 x 5 patches of 14, 6 trailing pixels ignored as by the
     * reference's strided convolution), 8 queries, cross-attention every 3 layers, odd widths.
     */
    static TokenizerConfig unusualConfig(TokenizerConfig.Version version) {
        float[] mean = {0.5f, 0.4f, 0.3f};
        float[] std = {0.2f, 0.25f, 0.3f};
        return new TokenizerConfig(version, 76, ResizeMode.BILINEAR, mean, std,
                new TokenizerConfig.Vision(14, 48, 3, 6, 2.5, 1e-6f, 1e-5f),
                new TokenizerConfig.QFormer(36, 5, 4, 50, 3, 8, 1e-12f),
                new TokenizerConfig.Codebook(100, 16),
                new TokenizerConfig.Decoder(2, 3, 2.0, 1e-6f, version == TokenizerConfig.Version.V1 ? 20 : 12,
                        version == TokenizerConfig.Version.V1 ? 3 : 0, version == TokenizerConfig.Version.V1 ? 10 : 0,
                        version == TokenizerConfig.Version.V1 ? List.of() : List.of(40, 8)),
                List.of(new TokenizerConfig.WeightFile("unused.safetensors", "")));
    }

    @Test
    void otherSizesFollowTheConfig() {
        VisualTokenizerModel v2 = new VisualTokenizerModel(unusualConfig(TokenizerConfig.Version.V2));
        Set<String> names = new TreeSet<>(v2.namedParameters().keySet());
        assertTrue(names.contains("Qformer.bert.encoder.layer.0.crossattention.self.key.weight"));
        assertTrue(names.contains("Qformer.bert.encoder.layer.3.crossattention.self.key.weight"));
        assertFalse(names.contains("Qformer.bert.encoder.layer.1.crossattention.self.key.weight"));
        assertFalse(names.contains("Qformer.bert.encoder.layer.2.crossattention.self.key.weight"));
        assertEquals(new Shape(1, 26, 48), v2.declaredShapes().get("visual_encoder.pos_embed"));
        assertEquals(new Shape(120, 48), v2.declaredShapes().get("visual_encoder.blocks.2.mlp.fc1.weight"));
        assertEquals(new Shape(12, 64), v2.declaredShapes().get("distill_image_proj.weight"), "8 queries x 8");
        assertEquals(new Shape(8, 40), v2.declaredShapes().get("image_down.2.weight"));

        for (TokenizerConfig.Version version : TokenizerConfig.Version.values()) {
            TokenizerConfig config = unusualConfig(version);
            try (SeedTokenizer tokenizer = SeedTokenizer.withRandomWeights(config, Device.cpu());
                    NDManager m = NDManager.newBaseManager()) {
                NDArray pixels = m.randomNormal(new Shape(5, 3, 76, 76));
                try (Encoding encoding = tokenizer.encode(pixels)) {
                    assertEquals(new Shape(5, 8), encoding.codes().getShape());
                    assertEquals(new Shape(5, 8, 36), encoding.causalEmbeddings().getShape());
                    assertEquals(new Shape(5, 8, 16), encoding.quantized().getShape());
                    for (int[] row : encoding.codeArrays()) {
                        for (int code : row) {
                            assertTrue(code >= 0 && code < 100, "code " + code);
                        }
                    }
                    NDArray embeds = tokenizer.detokenize(encoding.codes(), m);
                    int n = version == TokenizerConfig.Version.V1 ? 10 : 1;
                    int d = version == TokenizerConfig.Version.V1 ? 20 : 12;
                    assertEquals(new Shape(5, n, d), embeds.getShape());
                    float[][] one = tokenizer.detokenize(encoding.codeArrays()[2]);
                    assertEquals(n, one.length);
                    Oracle.assertClose("image 2", embeds.get(2).toFloatArray(), flatten(one), 1e-5);
                }
            }
        }
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
        }
        return out;
    }

    /**
     * As the reference ({@code is_casual = query_embeds.shape[1] == 32}): with 32 queries, query i sees
     * queries 0..i only, so changing query k's learned token leaves the outputs before k unchanged and
     * changes those from k on; with another count (8 here) the Q-Former is bidirectional and every output
     * changes.
     */
    @Test
    void theQFormerIsCausalExactlyForThirtyTwoQueriesAsTheReference() {
        for (int queries : new int[] {32, 8}) {
            TokenizerConfig base = unusualConfig(TokenizerConfig.Version.V1);
            TokenizerConfig.QFormer q = base.qformer();
            TokenizerConfig config = new TokenizerConfig(base.version(), base.imageSize(), base.resize(),
                    base.imageMean(), base.imageStd(), base.vision(),
                    new TokenizerConfig.QFormer(q.hiddenSize(), q.numLayers(), q.numHeads(), q.intermediateSize(),
                            q.crossAttentionFreq(), queries, q.layerNormEps()),
                    base.codebook(), base.decoder(), base.weights());
            VisualTokenizerModel model = new VisualTokenizerModel(config);
            try (NDManager m = NDManager.newBaseManager()) {
                model.initializeParameters(m);
                float[] pixels = m.randomNormal(new Shape(2, 3, 76, 76)).toFloatArray();
                float[] before = causalEmbeddings(model, pixels, m); // [2, Q, 36]
                int k = 5;
                NDArray tokens = model.namedParameters().get("query_tokens").getArray();
                // one element, not the whole row: the embeddings' LayerNorm would remove a constant shift
                tokens.set(new NDIndex("0, " + k + ", 0"), tokens.get("0, " + k + ", 0").add(1f));
                float[] after = causalEmbeddings(model, pixels, m);
                int hidden = 36;
                for (int b = 0; b < 2; b++) {
                    for (int i = 0; i < queries; i++) {
                        int from = (b * queries + i) * hidden;
                        float[] x = java.util.Arrays.copyOfRange(before, from, from + hidden);
                        float[] y = java.util.Arrays.copyOfRange(after, from, from + hidden);
                        if (queries == 32 && i < k) {
                            assertArrayEquals(x, y, "query " + i + " must not see query " + k);
                        } else {
                            assertNotEquals(java.util.Arrays.toString(x), java.util.Arrays.toString(y),
                                    queries + " queries: query " + i + " sees query " + k);
                        }
                    }
                }
            }
        }
    }

    private static float[] causalEmbeddings(VisualTokenizerModel model, float[] pixels, NDManager manager) {
        try (NDManager call = manager.newSubManager()) {
            NDArray x = call.create(pixels, new Shape(2, 3, 76, 76));
            return model.encode(x, StageRecorder.NONE).causalEmbeddings().toFloatArray();
        }
    }
}
