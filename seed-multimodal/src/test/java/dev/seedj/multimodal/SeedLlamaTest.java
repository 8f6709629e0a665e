package dev.seedj.multimodal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.testing.Oracle;
import dev.seedj.diffusion.TinyPipelines;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.Generator;
import dev.seedj.llm.llama.LlamaLoadOptions;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
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
 * The end-to-end SEED-LLaMA path as SEED's {@code scripts/seed_llama_inference_8B.py} runs it, on tiny weights:
 * a photo through the v2-tiny SEED-2 tokenizer to 32 codes, into the 8B prompt, through llama-tiny (a random
 * LLaMA whose vocabulary is a 320-piece sentencepiece model + {@code <img_00000>}..{@code <img_08191>} +
 * {@code <img>}, {@code </img>}) to a caption; a prompt to exactly 32 codes between {@code <img>} and
 * {@code </img>}, and those codes to SEED-2's 1 x 64 unCLIP conditioning.
 */
class SeedLlamaTest {
    /** Ids of llama-tiny's tokenizer (its added_tokens.json and tokenizer_config.json). */
    private static final int BOS = 1;
    private static final int EOS = 2;
    /** The 8B format with short captions and answers (SEED's 512 new tokens make slow tests). */
    private static final PromptTemplates SHORT_8B = new PromptTemplates(PromptTemplates.seedLlama8b().caption(),
            PromptTemplates.seedLlama8b().answer(), PromptTemplates.seedLlama8b().imageGeneration(), 16);

    @TempDir
    static Path root;
    private static SeedTokenizer images;
    private static SeedLlama seed;
    private static BufferedImage cat;
    private static JsonObject addedTokens;

    @BeforeAll
    static void open() throws Exception {
        images = TinySeedModels.v2Tiny();
        seed = SeedLlama.load(TinySeedModels.llamaDir(root.resolve("seed-llama")), images, SHORT_8B,
                LlamaLoadOptions.defaults());
        cat = ImagePreprocessor.decode(Oracle.path("images", "cat_main.decoded.png"));
        addedTokens = JsonParser.parseString(Files.readString(Oracle.path("llama-tiny", "added_tokens.json")))
                .getAsJsonObject();
    }

    @AfterAll
    static void close() {
        seed.close();
        images.close();
    }

    /** The v2-tiny reference codes of cat_main (case.json codes.photos_bicubic[1]). */
    private static int[] catCodes() throws Exception {
        JsonArray row = JsonParser.parseString(Files.readString(Oracle.path("v2-tiny", "case.json"))).getAsJsonObject()
                .getAsJsonObject("codes").getAsJsonArray("photos_bicubic").get(1).getAsJsonArray();
        int[] codes = new int[row.size()];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = row.get(i).getAsInt();
        }
        return codes;
    }

    private static int added(String token) {
        return addedTokens.get(token).getAsInt();
    }

    @Test
    void imageTokenIdsComeFromTheTokenizerFiles() {
        Vocabulary v = seed.vocabulary();
        assertEquals(added("<img_00000>"), v.tokenId(0));
        assertEquals(320, v.tokenId(0), "llama-tiny: 320 sentencepiece pieces, then the image tokens");
        assertEquals(added("<img_08191>"), v.tokenId(8191));
        assertEquals(added("<img>"), v.boiId());
        assertEquals(added("</img>"), v.eoiId());
        assertEquals(8514, seed.model().vocabSize());
        assertEquals(PromptTemplates.seedLlama8b(), SeedLlama.templates(root.resolve("seed-llama")),
                "llama-tiny's config has pretraining_tp 1");
    }

    @Test
    void thePhotoBecomesTheReferenceCodesInThe8bPrompt() throws Exception {
        int[] codes = images.tokenize(cat);
        assertArrayEquals(catCodes(), codes, "SEED-2 codes of the photo");
        TextTokenizer text = seed.textTokenizer();
        long[] ids = seed.templates().answerIds(text, codes, "What is this animal?");
        // by hand, as the slow tokenizer splits "<s>USER: <img>...</img>What is this animal?\nASSISTANT:" at its
        // added tokens (which strip the space before them) and encodes each text chunk on its own
        long[] image = new long[codes.length];
        for (int i = 0; i < codes.length; i++) {
            image[i] = added(Vocabulary.imageToken(codes[i]));
        }
        long[] expected = concat(new long[] {BOS}, text.encode("USER:"), new long[] {added("<img>")}, image,
                new long[] {added("</img>")}, text.encode("What is this animal?\nASSISTANT:"));
        assertArrayEquals(expected, ids);
        String whole = "USER: " + Vocabulary.imageText(codes) + "What is this animal?\nASSISTANT:";
        assertArrayEquals(concat(new long[] {BOS}, text.encode(whole, text.specialTokens())), ids,
                "the ids of SEED's prompt string");
    }

    @Test
    void captionsAndAnswersAreTheGreedyTextAfterThePrompt() throws Exception {
        int[] codes = catCodes();
        TextTokenizer text = seed.textTokenizer();
        long[] prompt = PromptTemplates.seedLlama8b().captionIds(text, codes);
        assertEquals(expectedCompletion(prompt, 16), seed.caption(cat));
        // SEED's 512 new tokens, cut to what the position table leaves after the prompt (96 positions here)
        long[] question = PromptTemplates.seedLlama8b().answerIds(text, codes, "What is this animal?");
        String[] files = {"model.safetensors", "tokenizer.model", "added_tokens.json", "special_tokens_map.json",
            "tokenizer_config.json"};
        Path shortContext = TinySeedModels.llamaDir(root.resolve("seed-llama-96"),
                c -> c.replace("\"max_position_embeddings\": 256", "\"max_position_embeddings\": 96"), files);
        try (SeedLlama full = SeedLlama.load(shortContext, images)) {
            assertEquals(PromptTemplates.seedLlama8b(), full.templates());
            assertEquals(expectedCompletion(question, 96 - question.length), full.answer(cat, "What is this animal?"));
        }
    }

    /** Greedy, image constraint, text before any <img>, EOS dropped, decoded. */
    private static String expectedCompletion(long[] prompt, int maxNewTokens) {
        int[] tokens = new Generator(seed.model()).generate(new long[][] {prompt}, null,
                GenerationConfig.builder().maxNewTokens(maxNewTokens).imageConstraint(seed.vocabulary(), 32).build(),
                null).tokens()[0];
        long[] kept = Arrays.stream(tokens).takeWhile(t -> t != added("<img>")).filter(t -> t != EOS)
                .asLongStream().toArray();
        return seed.textTokenizer().decode(kept, true).trim();
    }

    @Test
    void aPromptBecomesExactly32CodesAndTheirSeed2Conditioning() {
        String prompt = "Can you generate an image of a dog on the green grass?";
        int[] codes = seed.generateImageCodes(prompt);
        assertEquals(32, codes.length);
        assertTrue(Arrays.stream(codes).allMatch(c -> c >= 0 && c < 8192), Arrays.toString(codes));
        // by hand: <s>USER: {prompt}\nASSISTANT: then <img>, 32 constrained image tokens, </img>
        TextTokenizer text = seed.textTokenizer();
        long[] ids = concat(new long[] {BOS}, text.encode("USER: " + prompt + "\nASSISTANT:"),
                new long[] {added("<img>")});
        int[] tokens = new Generator(seed.model()).generate(new long[][] {ids}, null,
                GenerationConfig.builder().maxNewTokens(33).imageConstraint(seed.vocabulary(), 32).build(), null)
                .tokens()[0];
        assertEquals(added("</img>"), tokens[32]);
        for (int i = 0; i < 32; i++) {
            assertEquals(added(Vocabulary.imageToken(codes[i])), tokens[i], "image id = id of <img_00000> + code");
        }
        float[][] conditioning = seed.generateConditioning(prompt);
        assertEquals(1, conditioning.length);
        assertEquals(64, conditioning[0].length);
        assertArrayEquals(images.detokenize(codes)[0], conditioning[0]);
    }

    @Test
    void aPromptBecomesAPictureThroughStableUnclip() {
        // SEED's 8B script ends in the SD 2.1 unCLIP pipeline; a tiny one reads the 1 x 64 SEED-2 embedding here
        String prompt = "Can you generate an image of a dog on the green grass?";
        PictureSettings fast = PictureSettings.defaults(TokenizerConfig.Version.V2).withSteps(2).withSize(16, 16)
                .withSeed(3);
        try (SeedPictures pictures = SeedPictures.open(images, TinyPipelines.unclipFolder(root.resolve("unclip"), 64,
                5), null, null)) {
            BufferedImage picture = seed.generatePicture(prompt, pictures, fast);
            assertEquals(16, picture.getWidth());
            assertEquals(16, picture.getHeight());
            BufferedImage byHand = pictures.picture(seed.generateImageCodes(prompt), fast);
            assertArrayEquals(byHand.getRGB(0, 0, 16, 16, null, 0, 16), picture.getRGB(0, 0, 16, 16, null, 0, 16),
                    "the prompt's 32 codes through the pipeline");
        }
        TokenizerConfig small = TokenizerConfig.parse(TinySeedModels.V2_TINY.replace("\"size\": 8192", "\"size\": 256"));
        try (SeedTokenizer other = SeedTokenizer.withRandomWeights(small, Engine.getInstance().defaultDevice());
                SeedPictures pictures = SeedPictures.open(other, TinyPipelines.unclipFolder(root.resolve("unclip-256"),
                        64, 5), null, null)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> seed.generatePicture(prompt, pictures, fast));
            assertEquals("the pictures' SEED tokenizer has 256 codes but this language model writes 8192",
                    e.getMessage());
        }
    }

    @Test
    void batchedCaptionsEqualOneAtATime() {
        BufferedImage square = new BufferedImage(40, 70, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = square.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(5, 5, 30, 50);
        g.dispose();
        assertEquals(List.of(seed.caption(cat), seed.caption(square), seed.caption(cat)),
                seed.caption(List.of(cat, square, cat)));
        assertThrows(IllegalArgumentException.class, () -> seed.caption(List.of()));
    }

    @Test
    void theFormatFollowsPretrainingTpOrSeedPromptsJson(@TempDir Path dir) throws Exception {
        Path fourteen = TinySeedModels.llamaDir(dir.resolve("14b"),
                c -> c.replace("\"pretraining_tp\": 1", "\"pretraining_tp\": 2"));
        assertEquals(PromptTemplates.seedLlama14b(), SeedLlama.templates(fourteen));
        assertEquals(SeedLlamaFormat.SEED_LLAMA_14B, SeedLlamaFormat.fromName("14B"));
        Files.writeString(fourteen.resolve(PromptTemplates.FILE_NAME), "{\"max_new_tokens\": 7}");
        PromptTemplates edited = SeedLlama.templates(fourteen);
        assertEquals(7, edited.maxNewTokens());
        assertEquals(PromptTemplates.seedLlama14b().answer(), edited.answer());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SeedLlamaFormat.fromName("7b"));
        assertTrue(e.getMessage().contains("'7b'") && e.getMessage().contains("[8b, 14b]"), e.getMessage());
    }

    @Test
    void aTokenizerOfAnotherCodebookSizeIsRefusedNamingBothSizes() {
        TokenizerConfig small = TokenizerConfig.parse(TinySeedModels.V2_TINY.replace("\"size\": 8192", "\"size\": 256"));
        try (SeedTokenizer other = SeedTokenizer.withRandomWeights(small, Engine.getInstance().defaultDevice())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SeedLlama.load(root.resolve("seed-llama"), other));
            assertTrue(e.getMessage().contains("reads and writes 8192 image codes")
                    && e.getMessage().contains("codebook has 256 codes"), e.getMessage());
        }
    }

    @Test
    void aLlamaWithoutImageTokensIsRefused(@TempDir Path dir) {
        Path plain = TinySeedModels.llamaDir(dir, c -> c.replace("\"vocab_size\": 8514", "\"vocab_size\": 320"),
                "tokenizer.model", "special_tokens_map.json", "tokenizer_config.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SeedLlama.load(plain, images));
        assertTrue(e.getMessage().contains("no image tokens") && e.getMessage().contains("not a SEED-LLaMA model"),
                e.getMessage());
    }

    @Test
    void theFamilyComesFromModelType(@TempDir Path dir) throws Exception {
        assertEquals(LanguageModelFamily.LLAMA, LanguageModelFamily.detect(Oracle.path("llama-tiny")));
        assertEquals(LanguageModelFamily.OPT, LanguageModelFamily.detect(Oracle.path("opt-tiny")));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> LanguageModelFamily.detect(dir));
        assertTrue(e.getMessage().contains("$.model_type") && e.getMessage().contains("'gpt2'")
                && e.getMessage().contains("[opt, llama]"), e.getMessage());
        Files.writeString(dir.resolve("config.json"), "{}");
        e = assertThrows(ConfigException.class, () -> LanguageModelFamily.detect(dir));
        assertTrue(e.getMessage().contains("config.json: $.model_type: missing"), e.getMessage());
    }

    @Test
    void theFacadeLoadsEitherFamily() {
        Path llama = root.resolve("seed-llama");
        try (SeedMultimodalModel m = SeedMultimodalModel.load(llama, null, images)) {
            assertInstanceOf(SeedLlama.class, m);
            assertArrayEquals(seed.generateImageCodes("a cat"), m.generateImageCodes("a cat"));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SeedMultimodalModel.load(llama, Oracle.path("opt-tiny", "lora_adapter"), images));
        assertTrue(e.getMessage().contains("made for another model"), e.getMessage());
    }

    private static long[] concat(long[]... parts) {
        return Arrays.stream(parts).flatMapToLong(LongStream::of).toArray();
    }
}
