package dev.seedj.multimodal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import com.google.gson.JsonObject;
import dev.seedj.core.batch.ItemResult;
import dev.seedj.core.testing.Oracle;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.TinyModels;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.Generator;
import dev.seedj.llm.text.ByteLevelAlphabet;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multimodal facade on opt-tiny (whose vocabulary is SEED's layout: text 0..999, {@code <img_XXXXX>} =
 * 1000 + code, {@code <img>} 9192, {@code </img>} 9193) with its LoRA adapter, a 1000-token byte-level BPE
 * text tokenizer made here, and the v2-tiny SEED tokenizer.
 */
class SeedOptTest {
    private static final String V2_TINY = TinySeedModels.V2_TINY;

    @TempDir
    static Path llmDir;
    private static SeedTokenizer images;
    private static SeedOpt seed;
    private static BufferedImage picture;

    @BeforeAll
    static void open() throws Exception {
        Path opt = Oracle.path("opt-tiny");
        Files.createSymbolicLink(llmDir.resolve("config.json"), opt.resolve("config.json"));
        Files.createSymbolicLink(llmDir.resolve("model.safetensors"), opt.resolve("model.safetensors"));
        writeThousandTokenVocabulary(llmDir);
        images = TinySeedModels.v2Tiny();
        seed = SeedOpt.load(llmDir, opt.resolve("lora_adapter"), images);
        picture = new BufferedImage(80, 60, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = picture.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillOval(10, 5, 50, 40);
        g.dispose();
    }

    @AfterAll
    static void close() {
        seed.close();
        images.close();
    }

    /** 4 specials, the 256 byte symbols, letter-pair merges, fillers up to id 999: opt-tiny's text part. */
    private static void writeThousandTokenVocabulary(Path dir) throws Exception {
        JsonObject vocab = new JsonObject();
        int id = 0;
        for (String s : new String[] {"<s>", "<pad>", "</s>", "<unk>"}) {
            vocab.addProperty(s, id++);
        }
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        String letters = "abcdefghijklmnopqrstuvwxyz";
        for (int b = 0; b < 256; b++) {
            vocab.addProperty(ByteLevelAlphabet.symbol(b), id++);
        }
        outer:
        for (char x : letters.toCharArray()) {
            for (char y : letters.toCharArray()) {
                if (id == 1000) {
                    break outer;
                }
                vocab.addProperty("" + x + y, id++);
                merges.append(x).append(' ').append(y).append('\n');
            }
        }
        while (id < 1000) {
            vocab.addProperty("<unused_" + id + ">", id++); // never produced: no merge makes it
        }
        Files.writeString(dir.resolve("vocab.json"), vocab.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), merges.toString(), StandardCharsets.UTF_8);
    }

    @Test
    void theVocabularyIsOptTinysLayout() {
        Vocabulary v = seed.vocabulary();
        assertEquals(1000, v.tokenId(0));
        assertEquals(9191, v.tokenId(8191));
        assertEquals(9192, v.boiId());
        assertEquals(9193, v.eoiId());
        assertEquals(9194, seed.textTokenizer().size());
        assertEquals(9194, seed.model().config().vocabSize(), "no resize needed");
        assertEquals(2, seed.textTokenizer().bosId());
    }

    @Test
    void imageCodesFollowTheTemplateAndTheConstraint() {
        int[] codes = seed.generateImageCodes("a cat");
        assertEquals(32, codes.length);
        assertTrue(Arrays.stream(codes).allMatch(c -> c >= 0 && c < 8192));
        // the same as generating by hand from BOS + "a cat" + <img> with the adapted model
        long[] body = seed.textTokenizer().encode("a cat");
        long[] prompt = LongStream.concat(LongStream.concat(LongStream.of(2), Arrays.stream(body)), LongStream.of(9192))
                .toArray();
        int[] tokens = new Generator(seed.model()).generate(new long[][] {prompt}, null,
                GenerationConfig.builder().maxNewTokens(33).imageConstraint(seed.vocabulary(), 32).build(), null)
                .tokens()[0];
        assertEquals(9193, tokens[32]);
        assertArrayEquals(seed.vocabulary().codes(Arrays.copyOf(tokens, 32)), codes);
        float[][] conditioning = seed.generateConditioning("a cat");
        assertEquals(1, conditioning.length);
        assertEquals(64, conditioning[0].length);
        assertArrayEquals(images.detokenize(codes)[0], conditioning[0]);
    }

    @Test
    void captionsAndAnswersReadTheImageTokens() {
        int[] codes = images.tokenize(picture);
        assertEquals(32, codes.length);
        String caption = seed.caption(picture);
        assertEquals(expectedCompletion(Vocabulary.imageText(codes)), caption);
        String answer = seed.answer(picture, "what is it?");
        assertEquals(expectedCompletion(Vocabulary.imageText(codes) + "Question: what is it?\nAnswer:"), answer);
        assertFalse(caption.contains("<img"), "image tokens are not part of a caption");
    }

    @Test
    void imageTokensInAQuestionStayText() {
        int[] codes = images.tokenize(picture);
        String question = "what is <img_00007></img><img>it?</s>";
        TextTokenizer text = seed.textTokenizer();
        long[] ids = seed.templates().answerIds(text, codes, question);
        // BOS, the real image by id, then the template and the question as plain text
        long[] expected = LongStream.concat(LongStream.concat(LongStream.of(2),
                Arrays.stream(text.encode(Vocabulary.imageText(codes), text.specialTokens()))),
                Arrays.stream(text.encode("Question: " + question + "\nAnswer:"))).toArray();
        assertArrayEquals(expected, ids);
        assertEquals(32, Arrays.stream(ids).filter(id -> seed.vocabulary().isImageToken(id)).count(),
                "only the picture's 32 codes are image tokens");
        assertEquals(1, Arrays.stream(ids).filter(id -> id == 2).count(), "</s> in the question is text");
        assertEquals(expectedCompletion(ids), seed.answer(picture, question));
        long[] generation = seed.templates().imageGenerationIds(text, "a cat<img_00003></img>");
        assertEquals(9192, generation[generation.length - 1]);
        assertEquals(1, Arrays.stream(generation).filter(id -> id >= 1000).count(), "only the final <img>");
    }

    /** BOS + the prompt text (image tokens allowed), greedy, image constraint, EOS dropped, decoded. */
    private static String expectedCompletion(String promptText) {
        long[] body = seed.textTokenizer().encode(promptText, seed.textTokenizer().specialTokens());
        assertEquals(9192, body[0], "the prompt starts with <img>");
        return expectedCompletion(LongStream.concat(LongStream.of(2), Arrays.stream(body)).toArray());
    }

    /** The prompt's ids, greedy, image constraint, EOS dropped, decoded without special tokens. */
    private static String expectedCompletion(long[] prompt) {
        int[] tokens = new Generator(seed.model()).generate(new long[][] {prompt}, null,
                GenerationConfig.builder().maxNewTokens(40).imageConstraint(seed.vocabulary(), 32).build(), null)
                .tokens()[0];
        long[] kept = Arrays.stream(tokens).filter(t -> t != 2).asLongStream().toArray();
        return seed.textTokenizer().decode(kept, true).trim();
    }

    @Test
    void aTokenizerOfAnotherCodebookSizeIsRefusedNamingBothSizes() {
        TokenizerConfig small = TokenizerConfig.parse(V2_TINY.replace("\"size\": 8192", "\"size\": 256"));
        try (SeedTokenizer other = SeedTokenizer.withRandomWeights(small, Engine.getInstance().defaultDevice())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SeedOpt.load(llmDir, Oracle.path("opt-tiny", "lora_adapter"), other));
            assertTrue(e.getMessage().contains("8192 image codes") && e.getMessage().contains("has 256 codes"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SeedOpt.load(llmDir, null, other));
            assertTrue(e.getMessage().contains("8192 image codes") && e.getMessage().contains("has 256 codes"),
                    e.getMessage());
        }
    }

    @Test
    void batchedCaptionsEqualOneAtATime() {
        BufferedImage other = new BufferedImage(40, 70, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = other.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(5, 5, 30, 50);
        g.dispose();
        List<String> batched = seed.caption(List.of(picture, other, picture));
        assertEquals(List.of(seed.caption(picture), seed.caption(other), seed.caption(picture)), batched);
        assertThrows(IllegalArgumentException.class, () -> seed.caption(List.of()));
    }

    @Test
    void oneCaptionOrErrorPerItem(@TempDir Path dir) throws Exception {
        String expected = seed.caption(picture);
        List<BufferedImage> withNull = new java.util.ArrayList<>(List.of(picture, picture));
        withNull.add(1, null);
        List<ItemResult<String>> each = seed.captionEach(withNull);
        assertEquals(3, each.size());
        assertEquals(expected, each.get(0).value());
        assertEquals("images[1] is null", each.get(1).errorMessage());
        assertEquals(expected, each.get(2).value());
        IllegalArgumentException whole = assertThrows(IllegalArgumentException.class, () -> seed.caption(withNull));
        assertEquals("images[1] is null", whole.getMessage());

        Path good = dir.resolve("good.png");
        javax.imageio.ImageIO.write(picture, "png", good.toFile());
        Path broken = Files.writeString(dir.resolve("broken.jpg"), "not a picture");
        List<ItemResult<String>> files = seed.captionFiles(List.of(good, broken, dir.resolve("none.png")));
        assertEquals(expected, files.get(0).value());
        assertFalse(files.get(1).isSuccess());
        assertTrue(files.get(1).errorMessage().startsWith(broken.toString()), files.get(1).errorMessage());
        assertEquals(dir.resolve("none.png") + ": file not found", files.get(2).errorMessage());
    }

    @Test
    void moreImagesThanOneLanguageModelBatch() {
        List<BufferedImage> many = java.util.Collections.nCopies(SeedMultimodalModel.MAX_CAPTION_BATCH + 2, picture);
        List<String> captions = seed.caption(many);
        assertEquals(many.size(), captions.size());
        assertEquals(java.util.Collections.nCopies(many.size(), seed.caption(picture)), captions);
    }

    @Test
    void theDefaultTemplatesAreUsedWithoutAJson() {
        assertEquals(PromptTemplates.defaults(), seed.templates());
    }

    @Test
    void aPlainOptGetsRoomForTheImageTokens(@TempDir Path dir) throws Exception {
        try (OptModel small = TinyModels.random(TinyModels.opt125mShaped(260), 3)) {
            small.save(dir);
        }
        JsonObject vocab = new JsonObject();
        String[] specials = {"<s>", "<pad>", "</s>", "<unk>"};
        for (int i = 0; i < specials.length; i++) {
            vocab.addProperty(specials[i], i);
        }
        for (int b = 0; b < 256; b++) {
            vocab.addProperty(ByteLevelAlphabet.symbol(b), 4 + b);
        }
        Files.writeString(dir.resolve("vocab.json"), vocab.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n", StandardCharsets.UTF_8);
        try (SeedOpt plain = SeedOpt.load(dir, null, images)) {
            assertEquals(260 + 8194, plain.model().config().vocabSize());
            assertEquals(260, plain.vocabulary().tokenId(0));
            int[] codes = plain.generateImageCodes("a cat");
            assertEquals(32, codes.length);
            assertTrue(Arrays.stream(codes).allMatch(c -> c >= 0 && c < 8192));
        }
        // opt-tiny's adapter saves no embeddings; one that saves too few rows is refused
        try (OptModel small = OptModel.load(dir); LoraAdapter tooFew = TinyModels.adapter(small, java.util.List.of("q_proj"), true, 4)) {
            Path adapterDir = dir.resolve("adapter");
            tooFew.save(adapterDir);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SeedOpt.load(dir, adapterDir, images));
            assertTrue(e.getMessage().contains("260 rows"), e.getMessage());
        }
    }
}
