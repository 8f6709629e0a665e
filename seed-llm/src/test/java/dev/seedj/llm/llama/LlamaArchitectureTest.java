package dev.seedj.llm.llama;

import dev.seedj.core.testing.Oracle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.KvCache;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.GenerationResult;
import dev.seedj.llm.generation.Generator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Grouped-query attention, rope scaling, tied embeddings and the generation strategies on LLaMA. */
class LlamaArchitectureTest {
    private static final long[][] PROMPTS = {{0, 0, 5, 17, 33, 2, 9}, {4, 8, 15, 16, 23, 42, 7}};
    private static final long[][] MASK = {{0, 0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1}};

    private static LlamaConfig config(int kvHeads, boolean tied, String ropeScaling) {
        return LlamaConfig.parse("{\"hidden_size\": 32, \"intermediate_size\": 48, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": " + kvHeads + ", \"rms_norm_eps\": 1e-5,"
                + " \"max_position_embeddings\": 64, \"vocab_size\": 50, \"tie_word_embeddings\": " + tied
                + ", \"rope_theta\": 5000.0" + (ropeScaling == null ? "" : ", \"rope_scaling\": " + ropeScaling) + "}");
    }

    @Test
    void groupedQueryAttentionEqualsMultiHeadWithRepeatedKeyValueHeads() {
        try (LlamaModel gqa = LlamaModel.random(config(2, false, null), 11, Device.cpu());
                LlamaModel mha = LlamaModel.random(config(4, false, null), 12, Device.cpu());
                NDManager manager = NDManager.newBaseManager()) {
            Map<String, Parameter> target = mha.namedParameters();
            for (Map.Entry<String, Parameter> e : gqa.namedParameters().entrySet()) {
                NDArray source = e.getValue().getArray();
                boolean kv = e.getKey().endsWith("k_proj.weight") || e.getKey().endsWith("v_proj.weight");
                // key/value head g serves query heads 2g and 2g + 1: repeat each 8-row block of the weight
                NDArray value = kv ? source.reshape(2, 1, 8, 32).repeat(1, 2).reshape(32, 32) : source;
                value.copyTo(target.get(e.getKey()).getArray());
            }
            float[] expected = mha.logits(PROMPTS, MASK, manager).toFloatArray();
            float[] actual = gqa.logits(PROMPTS, MASK, manager).toFloatArray();
            Oracle.assertAbsClose("GQA vs MHA", expected, actual, 1e-5);
            // and the cache keeps only the two key/value heads
            try (KvCache cache = gqa.newCache(manager)) {
                gqa.nextLogits(PROMPTS, MASK, cache, manager);
                assertArrayEquals(new long[] {2, 2, 7, 8}, cache.keys(0).getShape().getShape());
            }
        }
    }

    @Test
    void cachedStepsEqualTheFullForward() {
        try (LlamaModel m = LlamaModel.random(config(2, true, null), 5, Device.cpu());
                NDManager manager = NDManager.newBaseManager();
                KvCache cache = m.newCache(manager)) {
            float[] full = m.logits(PROMPTS, MASK, manager).toFloatArray(); // [2, 7, 50]
            long[][] prefix = {Arrays.copyOf(PROMPTS[0], 4), Arrays.copyOf(PROMPTS[1], 4)};
            long[][] prefixMask = {Arrays.copyOf(MASK[0], 4), Arrays.copyOf(MASK[1], 4)};
            m.nextLogits(prefix, prefixMask, cache, manager);
            for (int t = 4; t < 7; t++) {
                long[][] step = {{PROMPTS[0][t]}, {PROMPTS[1][t]}};
                long[][] mask = {Arrays.copyOf(MASK[0], t + 1), Arrays.copyOf(MASK[1], t + 1)};
                float[] logits = m.nextLogits(step, mask, cache, manager).toFloatArray();
                for (int b = 0; b < 2; b++) {
                    Oracle.assertAbsClose("step " + t + " row " + b, LlamaFixture.row(full, 7, 50, b, t),
                            Arrays.copyOfRange(logits, b * 50, (b + 1) * 50), 1e-5);
                }
            }
        }
    }

    @Test
    void decodingKeepsMemoryFlat() {
        try (LlamaModel m = LlamaModel.random(config(2, false, null), 8, Device.cpu());
                NDManager manager = NDManager.newBaseManager();
                KvCache cache = m.newCache(manager)) {
            BaseNDManager weights =
                    (BaseNDManager) m.namedParameters().values().iterator().next().getArray().getManager();
            int weightArrays = weights.getManagedArrays().size();
            long[][] mask = {{1, 1, 1}};
            m.nextLogits(new long[][] {{1, 2, 3}}, mask, cache, manager).close();
            BaseNDManager cacheManager = (BaseNDManager) cache.keys(0).getManager();
            for (int step = 0; step < 30; step++) {
                mask = new long[][] {Arrays.copyOf(mask[0], mask[0].length + 1)};
                mask[0][mask[0].length - 1] = 1;
                try (NDManager s = manager.newSubManager()) {
                    m.nextLogits(new long[][] {{7}}, mask, cache, s);
                }
                // 2 layers, each a buffer for the keys and one for the values; libtorch's step also makes a view of
                // each
                int expected = DecodeThreads.javaSteps() ? 4 : 8;
                assertEquals(expected, cacheManager.getManagedArrays().size(), "cache arrays at step " + step);
            }
            assertEquals(33, cache.length());
            new Generator(m).generate(List.of(new long[] {4, 5}), GenerationConfig.builder().maxNewTokens(6)
                    .beams(2, 1f, false).build(), null);
            assertEquals(weightArrays, weights.getManagedArrays().size(), "no array lands in the model's manager");
        }
    }

    @Test
    void tiedEmbeddingsHaveNoLmHead() {
        try (LlamaModel m = LlamaModel.random(config(4, true, null), 3, Device.cpu())) {
            assertTrue(m.namedParameters().keySet().stream().noneMatch(k -> k.startsWith("lm_head")));
            assertEquals(m.config().parameterCount(), m.namedParameters().values().stream()
                    .mapToLong(p -> p.getArray().size()).sum());
        }
        try (LlamaModel m = LlamaModel.random(config(2, false, null), 3, Device.cpu())) {
            assertEquals(m.config().parameterCount(), m.namedParameters().values().stream()
                    .mapToLong(p -> p.getArray().size()).sum());
        }
    }

    @Test
    void linearScalingDividesPositionsByTheFactor() {
        LlamaRotaryEmbedding linear = new LlamaRotaryEmbedding(config(4, false, "{\"type\": \"linear\", \"factor\": 4}"));
        LlamaRotaryEmbedding plain = new LlamaRotaryEmbedding(config(4, false, null));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray[] scaled = linear.cosSin(new long[] {0, 12, 40}, 1, 3, 41, manager);
            NDArray[] reference = plain.cosSin(new long[] {0, 3, 10}, 1, 3, 41, manager);
            assertArrayEquals(reference[0].toFloatArray(), scaled[0].toFloatArray());
            assertArrayEquals(reference[1].toFloatArray(), scaled[1].toFloatArray());
        }
    }

    @Test
    void dynamicScalingGrowsTheBaseOnlyBeyondTheTrainedLength() {
        LlamaRotaryEmbedding dynamic = new LlamaRotaryEmbedding(config(4, false, "{\"type\": \"dynamic\", \"factor\": 2}"));
        LlamaRotaryEmbedding plain = new LlamaRotaryEmbedding(config(4, false, null));
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] positions = {5, 63};
            assertArrayEquals(plain.cosSin(positions, 1, 2, 64, manager)[0].toFloatArray(),
                    dynamic.cosSin(positions, 1, 2, 64, manager)[0].toFloatArray());
            // 100 keys > 64: base = 5000 * (2 * 100 / 64 - 1)^(8 / 6)
            double base = 5000 * Math.pow(2.0 * 100 / 64 - 1, 8.0 / 6);
            float[] freqs = LlamaRotaryEmbedding.inverseFrequencies(base, 8);
            float[] cos = dynamic.cosSin(positions, 1, 2, 100, manager)[0].toFloatArray(); // [1, 1, 2, 8]
            for (int j = 0; j < 4; j++) {
                assertEquals((float) Math.cos(63f * freqs[j]), cos[8 + j], 0f);
                assertEquals((float) Math.cos(63f * freqs[j]), cos[8 + 4 + j], 0f);
            }
            assertTrue(freqs[1] < plain.inverseFrequencies()[1], "a larger base means lower frequencies");
        }
    }

    @Test
    void constrainedImageGenerationEmitsExactly32CodesThenTheEndDelimiter() {
        // 50 ids: text 0..9, image tokens 10..45 (36 codes), <img> 46, </img> 47
        Vocabulary images = Vocabulary.contiguous(10, 36, 46, 47);
        try (LlamaModel m = LlamaModel.random(config(2, false, null), 9, Device.cpu());
                NDManager manager = NDManager.newBaseManager()) {
            long[] prompt = {1, 4, 7, 46};
            GenerationConfig config = GenerationConfig.builder().maxNewTokens(34).imageConstraint(images, 32)
                    .stopTokens(47).build();
            int[] tokens = new Generator(m).generate(List.of(prompt), config, null).tokens()[0];
            assertEquals(33, tokens.length, Arrays.toString(tokens));
            for (int i = 0; i < 32; i++) {
                assertTrue(images.isImageToken(tokens[i]), "token " + i + " = " + tokens[i]);
            }
            assertEquals(47, tokens[32]);
            // the first code is the best image token of the model's logits after <img>
            float[] logits = m.logits(new long[][] {prompt}, null, manager).toFloatArray();
            int best = 10;
            for (int id = 10; id < 46; id++) {
                if (logits[3 * 50 + id] > logits[3 * 50 + best]) {
                    best = id;
                }
            }
            assertEquals(best, tokens[0]);
        }
    }

    @Test
    void beamSearchAndSeededSamplingRunOnLlama() {
        try (LlamaModel m = LlamaModel.random(config(2, false, null), 21, Device.cpu())) {
            Generator generator = new Generator(m);
            List<long[]> prompts = List.of(new long[] {3, 4, 5}, new long[] {6, 7});
            GenerationConfig beams = GenerationConfig.builder().maxNewTokens(6).beams(3, 1f, false).build();
            GenerationResult best = generator.generate(prompts, beams, null);
            GenerationConfig greedy = GenerationConfig.greedy(6);
            GenerationResult first = generator.generate(prompts, greedy, null);
            for (int r = 0; r < 2; r++) {
                assertTrue(best.tokens()[r].length >= 1 && best.tokens()[r].length <= 6);
                // a beam of 3 never scores below the greedy path (same model, sum of log-probs / length^1)
                assertTrue(best.sequenceScores()[r] >= score(m, prompts.get(r), first.tokens()[r]) - 1e-4,
                        "row " + r);
            }
            GenerationConfig sampling = GenerationConfig.builder().maxNewTokens(8).sample(0.9f, 20, 0.95f, 77).build();
            int[][] a = generator.generate(prompts, sampling, null).tokens();
            int[][] b = generator.generate(prompts, sampling, null).tokens();
            assertArrayEquals(a, b);
        }
    }

    /** Beam search's score of a continuation: summed log-probabilities divided by its length. */
    private static double score(LlamaModel m, long[] prompt, int[] continuation) {
        long[] all = Arrays.copyOf(prompt, prompt.length + continuation.length);
        for (int i = 0; i < continuation.length; i++) {
            all[prompt.length + i] = continuation[i];
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] logits = m.logits(new long[][] {all}, null, manager).logSoftmax(-1).toFloatArray();
            double sum = 0;
            for (int i = 0; i < continuation.length; i++) {
                sum += logits[(prompt.length - 1 + i) * 50 + continuation[i]];
            }
            return sum / continuation.length;
        }
    }
}
