package dev.seedj.llm.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.seedj.llm.OptConfig;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.Vocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Acceptance 5: constrained image generation yields exactly 32 valid codes, whatever the weights. */
class ImageConstraintTest {
    /** SEED's layout, small text part: text 0..99, {@code <img_XXXXX>} = 100 + code, then {@code <img>}, {@code </img>}. */
    private static final Vocabulary VOCAB = Vocabulary.contiguous(100, 8192, 8292, 8293);
    private static final int EOS = 2;

    private static OptConfig config(boolean tied) {
        return OptConfig.builder().vocabSize(8294).hiddenSize(16).numLayers(2).numHeads(2).ffnDim(32).maxPositions(128)
                .tieWordEmbeddings(tied).eosTokenId(EOS).build();
    }

    private static GenerationConfig.Builder constrained(int maxNew) {
        return GenerationConfig.builder().maxNewTokens(maxNew).imageConstraint(VOCAB, 32);
    }

    private static void assertOneImage(int[] tokens) {
        assertEquals(33, tokens.length);
        for (int i = 0; i < 32; i++) {
            assertTrue(VOCAB.isImageToken(tokens[i]), "token " + i + " = " + tokens[i] + " is an image token");
            int code = VOCAB.code(tokens[i]);
            assertTrue(code >= 0 && code < 8192);
        }
        assertEquals(VOCAB.eoiId(), tokens[32]);
    }

    @Test
    void randomModelsAlwaysWrite32CodesThenTheEnd() {
        long[][] prompt = {{EOS, 17, 42, VOCAB.boiId()}};
        for (long seed = 1; seed <= 3; seed++) {
            try (OptModel model = OptModel.random(config(true), seed, Engine.getInstance().defaultDevice())) {
                Generator g = new Generator(model);
                assertOneImage(g.generate(prompt, null, constrained(33).build(), null).tokens()[0]);
                assertOneImage(g.generate(prompt, null, constrained(33).sample(2f, 0, 1f, seed).build(), null).tokens()[0]);
                assertOneImage(g.generate(prompt, null, constrained(33).beams(3, 1f, false).build(), null).tokens()[0]);
            }
        }
    }

    @Test
    void weightsThatHateImagesStillWrite32Codes() {
        try (OptModel model = OptModel.random(config(false), 5, Engine.getInstance().defaultDevice())) {
            // every position's hidden state becomes 10 * e0; image tokens and </img> score -1000, EOS +1000
            model.namedParameters().get("model.decoder.final_layer_norm.weight").getArray().set(new NDIndex(":"), 0f);
            NDArray bias = model.namedParameters().get("model.decoder.final_layer_norm.bias").getArray();
            bias.set(new NDIndex(":"), 0f);
            bias.set(new NDIndex("0"), 10f);
            NDArray head = model.namedParameters().get("lm_head.weight").getArray();
            head.set(new NDIndex(":, 0"), 0f);
            head.set(new NDIndex("100:8294, 0"), -100f);
            head.set(new NDIndex("2, 0"), 100f);
            Generator g = new Generator(model);
            long[][] prompt = {{EOS, 5, VOCAB.boiId()}};
            int[] whole = g.generate(prompt, null, constrained(40).build(), null).tokens()[0];
            assertEquals(34, whole.length, "32 codes, </img>, then EOS stops");
            assertOneImage(Arrays.copyOf(whole, 33));
            assertEquals(EOS, whole[33]);
            // a partly written image is completed to exactly 32 codes
            long[][] partial = {{EOS, 5, VOCAB.boiId(), VOCAB.tokenId(3), VOCAB.tokenId(8191)}};
            int[] rest = g.generate(partial, null, constrained(40).build(), null).tokens()[0];
            assertEquals(32, rest.length, "30 more codes, </img>, then EOS stops");
            for (int i = 0; i < 30; i++) {
                assertTrue(VOCAB.isImageToken(rest[i]));
            }
            assertEquals(VOCAB.eoiId(), rest[30]);
            assertEquals(EOS, rest[31]);
            // without the constraint these weights write no image at all
            int[] free = g.generate(prompt, null, GenerationConfig.greedy(5), null).tokens()[0];
            assertEquals(EOS, free[0]);
        }
    }

    @Test
    void imageTokensAppearOnlyInsideCompleteImages() {
        try (OptModel model = OptModel.random(config(true), 9, Engine.getInstance().defaultDevice())) {
            // make <img> likely so that images start by themselves
            NDArray embed = model.namedParameters().get("model.decoder.embed_tokens.weight").getArray();
            embed.set(new NDIndex(VOCAB.boiId()), embed.get(VOCAB.boiId()).mul(6f));
            Generator g = new Generator(model);
            int images = 0;
            for (long seed = 0; seed < 6; seed++) {
                GenerationConfig c = constrained(90).stopTokens().sample(1.5f, 0, 1f, seed).build();
                int[] t = g.generate(new long[][] {{EOS, 11}}, null, c, null).tokens()[0];
                images += checkWellFormed(t);
            }
            assertTrue(images > 0, "some image was started");
        }
    }

    /** @return the number of complete images; fails on an image token outside an image or a wrong count */
    private static int checkWellFormed(int[] tokens) {
        int complete = 0;
        int i = 0;
        while (i < tokens.length) {
            assertFalse(VOCAB.isImageToken(tokens[i]), "image token outside an image at " + i);
            assertFalse(tokens[i] == VOCAB.eoiId(), "</img> outside an image at " + i);
            if (tokens[i] == VOCAB.boiId()) {
                List<Integer> codes = new ArrayList<>();
                int j = i + 1;
                while (j < tokens.length && VOCAB.isImageToken(tokens[j])) {
                    codes.add(VOCAB.code(tokens[j]));
                    j++;
                }
                if (j == tokens.length) {
                    return complete; // cut by maxNewTokens
                }
                assertEquals(32, codes.size());
                assertEquals(VOCAB.eoiId(), tokens[j]);
                complete++;
                i = j + 1;
            } else {
                i++;
            }
        }
        return complete;
    }
}
