package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.llama.LlamaLoadOptions;
import dev.seedj.multimodal.SeedLlama;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * caption, ask and imagine with a SEED-LLaMA directory: the family comes from config.json's model_type, the
 * prompt format from --template or the config. The test builds the directories: a SEED-2 tokenizer (the oracle's
 * v2-tiny) and a tiny SEED-LLaMA (llama-tiny's config, weights and slow-tokenizer files).
 */
class LlamaCommandsTest {
    /** The oracle v2-tiny tokenizer's seed-tokenizer.json (its weights are linked from the oracle). */
    private static final Path SEED2_TINY_CONFIG = Path.of("src/test/resources/seed2-tiny/seed-tokenizer.json");
    private static final String[] LLAMA_FILES = {"model.safetensors", "tokenizer.model", "added_tokens.json",
        "special_tokens_map.json", "tokenizer_config.json"};

    @TempDir
    static Path root;
    private static Path tokenizerDir;
    private static Path llamaDir;
    private final String photo = Oracle.path("images", "cat_main.decoded.png").toString();

    @BeforeAll
    static void buildModels() throws IOException {
        tokenizerDir = Files.createDirectories(root.resolve("seed-tokenizer-2"));
        Files.copy(SEED2_TINY_CONFIG, tokenizerDir.resolve("seed-tokenizer.json"));
        Files.createSymbolicLink(tokenizerDir.resolve("weights.safetensors"),
                Oracle.path("v2-tiny", "weights.safetensors").toAbsolutePath());
        // llama-tiny with 96 positions (same weights and math): SEED's 512 new tokens stop at the table's end
        llamaDir = llama(root.resolve("seed-llama"), Files.readString(Oracle.path("llama-tiny", "config.json"))
                .replace("\"max_position_embeddings\": 256", "\"max_position_embeddings\": 96"));
    }

    private static Path llama(Path dir, String config) throws IOException {
        Files.createDirectories(dir);
        for (String f : LLAMA_FILES) {
            Files.createSymbolicLink(dir.resolve(f), Oracle.path("llama-tiny", f).toAbsolutePath());
        }
        Files.writeString(dir.resolve("config.json"), config);
        return dir;
    }

    private static String[] args(String command, String... rest) {
        List<String> all = new java.util.ArrayList<>(List.of(command, "--model", tokenizerDir.toString(),
                "--llm", llamaDir.toString()));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    @Test
    void captionAskAndImagineGiveWhatSeedLlamaGives(@TempDir Path dir) throws Exception {
        BufferedImage image = ImagePreprocessor.decode(Path.of(photo));
        String caption;
        String answer;
        String caption14b;
        int[] codes;
        float[][] conditioning;
        try (SeedTokenizer tokenizer = SeedTokenizer.load(tokenizerDir);
             SeedLlama seed = SeedLlama.load(llamaDir, tokenizer);
             SeedLlama seed14b = SeedLlama.load(llamaDir, tokenizer, PromptTemplates.seedLlama14b(),
                     LlamaLoadOptions.defaults())) {
            assertEquals(PromptTemplates.seedLlama8b(), seed.templates(), "pretraining_tp 1: the 8B format");
            caption = seed.caption(image);
            answer = seed.answer(image, "What is this animal?");
            caption14b = seed14b.caption(image);
            codes = seed.generateImageCodes("a dog on the green grass");
            conditioning = tokenizer.detokenize(codes);
        }
        CliRun captionRun = CliRun.of(args("caption", photo));
        assertEquals(0, captionRun.status(), captionRun.err());
        assertEquals(caption + System.lineSeparator(), captionRun.out());

        CliRun captionRun14b = CliRun.of(args("caption", "--template", "14b", photo));
        assertEquals(0, captionRun14b.status(), captionRun14b.err());
        assertEquals(caption14b + System.lineSeparator(), captionRun14b.out());

        CliRun askRun = CliRun.of(args("ask", photo, "What is this animal?"));
        assertEquals(0, askRun.status(), askRun.err());
        assertEquals(answer + System.lineSeparator(), askRun.out());

        Path out = dir.resolve("dog.safetensors");
        CliRun imagineRun = CliRun.of(args("imagine", "a dog on the green grass", "--out", out.toString()));
        assertEquals(0, imagineRun.status(), imagineRun.err());
        assertEquals(32, codes.length);
        assertEquals(List.of(Codes.format(codes)), imagineRun.outLines());
        try (StateDict written = StateDict.open(out); NDManager manager = NDManager.newBaseManager()) {
            NDArray embeds = written.get(EmbeddingFiles.TENSOR_NAME, manager);
            assertEquals(new Shape(1, 64), embeds.getShape(), "SEED-2: one unCLIP image embedding");
            assertArrayEquals(conditioning[0], embeds.toFloatArray());
        }
    }

    @Test
    void optionsThatDoNotFitTheFamilyAreRefused() {
        CliRun unknown = CliRun.of(args("caption", "--template", "7b", photo));
        assertEquals(SeedCli.EXIT_FAILURE, unknown.status());
        assertEquals(List.of("seed caption: unknown SEED-LLaMA prompt format '7b'; known: [8b, 14b]"),
                unknown.errLines());
        CliRun adapter = CliRun.of(args("ask", "--adapter", Oracle.path("opt-tiny", "lora_adapter").toString(), photo,
                "what?"));
        assertEquals(SeedCli.EXIT_FAILURE, adapter.status());
        assertEquals(1, adapter.errLines().size(), adapter.errLines().toString());
        assertTrue(adapter.errLines().get(0).startsWith("seed ask: ")
                && adapter.errLines().get(0).contains("made for another model"), adapter.errLines().get(0));
        Path opt = OracleCases.demoLlm();
        CliRun optTemplate = CliRun.of("imagine", "--llm", opt.toString(), "--template", "8b", "a cat");
        assertEquals(List.of("seed imagine: --template is a SEED-LLaMA prompt format but " + opt + " is an OPT model"),
                optTemplate.errLines());
    }

    @Test
    void anUnknownFamilyIsNamed(@TempDir Path dir) throws Exception {
        Path gpt2 = llama(dir.resolve("gpt2"), "{\"model_type\": \"gpt2\"}");
        CliRun run = CliRun.of("caption", "--model", tokenizerDir.toString(), "--llm", gpt2.toString(), photo);
        assertEquals(SeedCli.EXIT_FAILURE, run.status());
        assertEquals(List.of("seed caption: cannot tell the family of the language model: " + gpt2.resolve("config.json")
                + ": $.model_type: 'gpt2' is not a language-model family SEED-J runs; supported: [opt, llama]"),
                run.errLines());
    }
}
