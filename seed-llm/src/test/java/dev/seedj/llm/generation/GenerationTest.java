package dev.seedj.llm.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.KvCache;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.LoraConfig;
import dev.seedj.llm.OptConfig;
import dev.seedj.llm.OptModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sampling, beam search, stop tokens, streaming and memory use of the generator on a small random model. */
class GenerationTest {
    private static final OptConfig CONFIG =
            OptConfig.builder().vocabSize(120).hiddenSize(32).numLayers(2).numHeads(4).ffnDim(64).maxPositions(64).build();
    private static final long[][] PROMPT = {{2, 17, 33, 90, 5}};
    private static OptModel model;
    private static Generator generator;

    @BeforeAll
    static void open() {
        model = OptModel.random(CONFIG, 99, Engine.getInstance().defaultDevice());
        generator = new Generator(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] greedy(int n) {
        return generator.generate(PROMPT, null, GenerationConfig.builder().maxNewTokens(n).stopTokens().build(), null)
                .tokens()[0];
    }

    private static int[] sampled(float temperature, int topK, float topP, long seed) {
        GenerationConfig c = GenerationConfig.builder().maxNewTokens(16).stopTokens()
                .sample(temperature, topK, topP, seed).build();
        return generator.generate(PROMPT, null, c, null).tokens()[0];
    }

    @Test
    void greedyWithCacheEqualsRecomputingTheWholeSequence() {
        int[] tokens = greedy(10);
        long[] seq = Arrays.copyOf(PROMPT[0], PROMPT[0].length + tokens.length);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < tokens.length; i++) {
                long[] prefix = Arrays.copyOf(seq, PROMPT[0].length + i);
                float[] logits = model.logits(new long[][] {prefix}, null, m).get(":, -1, :").toFloatArray();
                assertEquals(LogitsProcessing.argmax(logits), tokens[i], "step " + i);
                seq[PROMPT[0].length + i] = tokens[i];
            }
        }
    }

    @Test
    void samplingIsSeededAndDegeneratesToGreedy() {
        assertArrayEquals(sampled(1.5f, 0, 1f, 7), sampled(1.5f, 0, 1f, 7));
        assertNotEquals(Arrays.toString(sampled(1.5f, 0, 1f, 7)), Arrays.toString(sampled(1.5f, 0, 1f, 8)));
        int[] greedy = Arrays.copyOf(greedy(16), 16);
        assertArrayEquals(greedy, sampled(1.5f, 1, 1f, 3), "top-k 1 is greedy");
        assertArrayEquals(greedy, sampled(1f, 0, 1e-6f, 3), "tiny top-p is greedy");
        assertArrayEquals(greedy, sampled(1e-4f, 0, 1f, 3), "near-zero temperature is greedy");
    }

    @Test
    void stopTokensEndEachRowAndStreamingSeesEveryToken() {
        int[] free = greedy(8);
        int stop = free[3];
        int firstStop = 0;
        while (free[firstStop] != stop) {
            firstStop++;
        }
        long[][] batch = {{1, 1, 2, 17, 33, 90, 5}, {2, 44, 45, 46, 47, 48, 49}};
        long[][] mask = {{0, 0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1}};
        List<List<Integer>> streamed = List.of(new ArrayList<>(), new ArrayList<>());
        GenerationConfig c = GenerationConfig.builder().maxNewTokens(8).stopTokens(stop).build();
        GenerationResult r = generator.generate(batch, mask, c, (row, token) -> streamed.get(row).add(token));
        assertArrayEquals(Arrays.copyOf(free, firstStop + 1), r.tokens()[0], "row 0 stops at the stop token, included");
        for (int row = 0; row < 2; row++) {
            assertArrayEquals(r.tokens()[row], streamed.get(row).stream().mapToInt(Integer::intValue).toArray());
        }
        assertTrue(r.tokens()[1].length == 8 || r.tokens()[1][r.tokens()[1].length - 1] == stop);
        // padding does not change a row's result
        GenerationResult alone = generator.generate(new long[][] {batch[1]}, null, c, null);
        assertArrayEquals(alone.tokens()[0], r.tokens()[1]);
    }

    @Test
    void repetitionPenaltyChangesTheOutputAgainstRepeats() {
        int[] plain = greedy(30);
        GenerationConfig c = GenerationConfig.builder().maxNewTokens(30).stopTokens().repetitionPenalty(5f).build();
        int[] penalised = generator.generate(PROMPT, null, c, null).tokens()[0];
        assertTrue(distinct(penalised) > distinct(plain), "distinct tokens " + distinct(penalised) + " vs " + distinct(plain));
    }

    private static long distinct(int[] tokens) {
        return Arrays.stream(tokens).distinct().count();
    }

    @Test
    void beamSearchMatchesANaiveRecomputingBeamSearch() {
        for (int beams : new int[] {2, 4}) {
            for (float lengthPenalty : new float[] {1f, 0f}) {
                int stop = greedy(6)[4];
                GenerationConfig c = GenerationConfig.builder().maxNewTokens(7).stopTokens(stop)
                        .beams(beams, lengthPenalty, false).build();
                GenerationResult r = generator.generate(PROMPT, null, c, null);
                NaiveBeamSearch.Result expected = NaiveBeamSearch.run(model, PROMPT[0], beams, 7, stop, lengthPenalty);
                assertArrayEquals(expected.tokens(), r.tokens()[0], beams + " beams, length penalty " + lengthPenalty);
                assertEquals(expected.score(), r.sequenceScores()[0], 1e-4);
            }
        }
    }

    @Test
    void beamSearchScoreIsTheSequenceLogProbability() {
        GenerationConfig c = GenerationConfig.builder().maxNewTokens(6).stopTokens().beams(3, 1f, false).build();
        GenerationResult r = generator.generate(PROMPT, null, c, null);
        int[] tokens = r.tokens()[0];
        assertEquals(6, tokens.length);
        double sum = NaiveBeamSearch.logProb(model, PROMPT[0], tokens);
        assertEquals(sum / 6, r.sequenceScores()[0], 1e-4);
        double greedySum = NaiveBeamSearch.logProb(model, PROMPT[0], greedy(6));
        assertTrue(sum >= greedySum - 1e-6, "beam " + sum + " vs greedy " + greedySum);
    }

    @Test
    void batchedBeamSearchEqualsRowByRow() {
        long[][] batch = {{1, 1, 2, 17, 33}, {2, 44, 45, 46, 47}};
        long[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}};
        GenerationConfig c = GenerationConfig.builder().maxNewTokens(5).stopTokens().beams(3, 1f, true).build();
        GenerationResult both = generator.generate(batch, mask, c, null);
        assertArrayEquals(generator.generate(new long[][] {{2, 17, 33}}, null, c, null).tokens()[0], both.tokens()[0]);
        assertArrayEquals(generator.generate(new long[][] {batch[1]}, null, c, null).tokens()[0], both.tokens()[1]);
    }

    @Test
    void streamingWithBeamsIsRefused() {
        GenerationConfig c = GenerationConfig.builder().beams(2, 1f, false).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> generator.generate(PROMPT, null, c, (row, t) -> { }));
        assertTrue(e.getMessage().contains("beam"));
        assertThrows(IllegalArgumentException.class,
                () -> GenerationConfig.builder().sample(1f, 0, 1f, 1).beams(2, 1f, false).build());
    }

    @Test
    void promptPlusNewTokensMustFitThePositionTable() {
        long[][] prompt = {new long[60]};
        Arrays.fill(prompt[0], 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> generator.generate(prompt, null, GenerationConfig.greedy(5), null));
        assertTrue(e.getMessage().contains("max_position_embeddings = 64"), e.getMessage());
    }

    @Test
    void decodingKeepsMemoryFlat() {
        BaseNDManager weights = (BaseNDManager) model.namedParameters().values().iterator().next().getArray().getManager();
        int weightArrays = weights.getManagedArrays().size();
        try (NDManager m = NDManager.newBaseManager(); KvCache cache = model.newCache(m)) {
            long[][] mask = {{1, 1, 1, 1, 1}};
            model.nextLogits(PROMPT, mask, cache, m).close();
            BaseNDManager cacheManager = (BaseNDManager) cache.keys(0).getManager();
            for (int step = 0; step < 50; step++) {
                mask = Generator.appendOnes(mask);
                try (NDManager s = m.newSubManager()) {
                    model.nextLogits(new long[][] {{7}}, mask, cache, s);
                }
                // per layer a buffer for the keys and one for the values; libtorch's step also makes a view of each
                int perLayer = DecodeThreads.javaSteps() ? 2 : 4;
                assertEquals(perLayer * CONFIG.numLayers(), cacheManager.getManagedArrays().size(),
                        "cache arrays at step " + step);
            }
            assertEquals(55, cache.length());
        }
        generator.generate(PROMPT, null, GenerationConfig.builder().maxNewTokens(30).stopTokens().build(), null);
        generator.generate(PROMPT, null, GenerationConfig.builder().maxNewTokens(10).beams(3, 1f, false).build(), null);
        assertEquals(weightArrays, weights.getManagedArrays().size(), "no array lands in the model's manager");
        try (NDManager factors = NDManager.newBaseManager();
                LoraAdapter adapter = LoraAdapter.of(LoraConfig.of(2, 4, List.of("q_proj", "fc2"), List.of()), loraFactors(factors));
                OptModel adapted = model.withAdapter(adapter)) {
            int withAdapter = weights.getManagedArrays().size(); // the derived model's arrays live in a sub-manager
            new Generator(adapted).generate(PROMPT, null, GenerationConfig.builder().maxNewTokens(20).build(), null);
            assertEquals(withAdapter, weights.getManagedArrays().size(), "no array lands in the adapted model's manager");
        }
        assertEquals(weightArrays, weights.getManagedArrays().size(), "closing the adapted model frees its arrays");
        assertFalse(weights.getManagedArrays().isEmpty());
    }

    private static Map<String, NDArray> loraFactors(NDManager m) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int layer = 0; layer < CONFIG.numLayers(); layer++) {
            String q = LoraAdapter.KEY_PREFIX + "model.decoder.layers." + layer + ".self_attn.q_proj";
            String fc2 = LoraAdapter.KEY_PREFIX + "model.decoder.layers." + layer + ".fc2";
            out.put(q + ".lora_A.weight", m.ones(new Shape(2, 32)));
            out.put(q + ".lora_B.weight", m.ones(new Shape(32, 2)).mul(0.01f));
            out.put(fc2 + ".lora_A.weight", m.ones(new Shape(2, 64)));
            out.put(fc2 + ".lora_B.weight", m.ones(new Shape(32, 2)).mul(0.01f));
        }
        return out;
    }
}
