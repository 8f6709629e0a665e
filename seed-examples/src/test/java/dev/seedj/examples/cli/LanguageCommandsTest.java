package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.testing.Oracle;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.weights.StateDict;
import dev.seedj.multimodal.SeedOpt;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** caption, ask and imagine on the bundled demo models (oracle v1-tiny + opt-tiny): input checks and outputs. */
class LanguageCommandsTest {
    private final String photo = Oracle.path("images", "cat_main.decoded.png").toString();

    @Test
    void missingImageIsNamed() {
        CliRun caption = CliRun.of("caption", "nothing.png");
        assertEquals(SeedCli.EXIT_FAILURE, caption.status());
        assertEquals(List.of("seed caption: nothing.png: file not found"), caption.errLines());
        CliRun ask = CliRun.of("ask", "nothing.png", "what colour is it?");
        assertEquals(SeedCli.EXIT_FAILURE, ask.status());
        assertEquals(List.of("seed ask: nothing.png: file not found"), ask.errLines());
    }

    @Test
    void theBundleRootStandsForItsLlmAndAdapter() {
        Path bundle = new DefaultModels(Path.of(""), java.util.Map.of()).tokenizer().getParent();
        String example = bundle.resolve("example.png").toString();
        CliRun viaRoot = CliRun.of("caption", "--model", bundle.toString(), "--llm", bundle.toString(), "--adapter",
                bundle.toString(), example);
        assertEquals(0, viaRoot.status(), viaRoot.err());
        CliRun viaDirs = CliRun.of("caption", "--llm", bundle.resolve("llm").toString(), "--adapter",
                bundle.resolve("adapter").toString(), example);
        assertEquals(0, viaDirs.status(), viaDirs.err());
        assertEquals(viaDirs.outLines(), viaRoot.outLines());
        assertEquals(1, viaRoot.outLines().size());
    }

    @Test
    void emptyQuestionOrPromptIsRefused() {
        assertEquals(List.of("seed ask: the question is empty"), CliRun.of("ask", photo, " ").errLines());
        assertEquals(List.of("seed imagine: the prompt is empty"), CliRun.of("imagine", "").errLines());
    }

    @Test
    void missingLlmDirectoryOrAdapterIsNamed(@TempDir Path dir) {
        CliRun noLlm = CliRun.of("caption", "--llm", dir.resolve("none").toString(), photo);
        assertEquals(SeedCli.EXIT_FAILURE, noLlm.status());
        assertEquals(List.of("seed caption: model directory " + dir.resolve("none") + " does not exist"),
                noLlm.errLines());
        CliRun noAdapter = CliRun.of("imagine", "--adapter", dir.toString(), "a red circle");
        assertEquals(List.of("seed imagine: adapter directory " + dir + " has no adapter_config.json"),
                noAdapter.errLines());
    }

    @Test
    void captionGoesOnAfterABadImageAndFailsAtTheEnd() {
        String[] models = {"--model", OracleCases.demoModel().toString(), "--llm", OracleCases.demoLlm().toString()};
        CliRun one = CliRun.of(concat(models, photo));
        assertEquals(0, one.status(), one.err());
        CliRun run = CliRun.of(concat(models, photo, "no-such-picture.jpg", photo));
        assertEquals(SeedCli.EXIT_FAILURE, run.status());
        assertEquals(List.of(photo + "\t" + one.outLines().get(0), photo + "\t" + one.outLines().get(0)),
                run.outLines());
        assertEquals(List.of("seed caption: no-such-picture.jpg: file not found"), run.errLines());
    }

    private static String[] concat(String[] models, String... images) {
        List<String> args = new java.util.ArrayList<>(List.of("caption"));
        args.addAll(List.of(models));
        args.addAll(List.of(images));
        return args.toArray(String[]::new);
    }

    @Test
    void llmWithoutTextTokenizerIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        CliRun run = CliRun.of("caption", "--llm", dir.toString(), photo);
        assertEquals(List.of("seed caption: the language model in " + dir
                + " has no text tokenizer (tokenizer.model, tokenizer.json, or vocab.json + merges.txt)"), run.errLines());
    }

    @Test
    void captionAskAndImagineGiveWhatSeedOptGives(@TempDir Path dir) throws Exception {
        Path llm = OracleCases.demoLlm();
        String[] models = {"--model", OracleCases.demoModel().toString(), "--llm", llm.toString()};
        Path adapter = llm.resolve("lora_adapter");
        BufferedImage image = ImagePreprocessor.decode(Path.of(photo));
        String caption;
        String answer;
        int[] codes;
        float[][] conditioning;
        try (SeedTokenizer tokenizer = SeedTokenizer.load(OracleCases.demoModel());
             SeedOpt plain = SeedOpt.load(llm, null, tokenizer);
             SeedOpt adapted = SeedOpt.load(llm, adapter, tokenizer)) {
            caption = plain.caption(image);
            answer = adapted.answer(image, "what is it?");
            codes = plain.generateImageCodes("a red circle");
            conditioning = tokenizer.detokenize(codes);
        }
        CliRun captionRun = CliRun.of(with(models, "caption", photo));
        assertEquals(0, captionRun.status(), captionRun.err());
        assertEquals(caption + System.lineSeparator(), captionRun.out());

        CliRun askRun = CliRun.of(with(models, "ask", "--adapter", adapter.toString(), photo, "what is it?"));
        assertEquals(0, askRun.status(), askRun.err());
        assertEquals(answer + System.lineSeparator(), askRun.out());

        Path out = dir.resolve("circle.safetensors");
        CliRun imagineRun = CliRun.of(with(models, "imagine", "a red circle", "--out", out.toString()));
        assertEquals(0, imagineRun.status(), imagineRun.err());
        assertEquals(32, codes.length);
        assertTrue(Arrays.stream(codes).allMatch(c -> c >= 0 && c < 8192), Arrays.toString(codes));
        assertEquals(List.of(Codes.format(codes)), imagineRun.outLines());
        try (StateDict written = StateDict.open(out); NDManager manager = NDManager.newBaseManager()) {
            NDArray embeds = written.get(EmbeddingFiles.TENSOR_NAME, manager);
            assertEquals(new Shape(77, 768), embeds.getShape());
            assertArrayEquals(conditioning[76], Arrays.copyOfRange(embeds.toFloatArray(), 76 * 768, 77 * 768));
        }
    }

    @Test
    void imagineNeedsAPixelDecoderForPng(@TempDir Path dir) {
        CliRun run = CliRun.of("imagine", "--model", OracleCases.demoModel().toString(), "a cat", "--png",
                dir.resolve("cat.png").toString());
        assertEquals(SeedCli.EXIT_FAILURE, run.status());
        assertTrue(run.err().contains("has no pixel decoder"), run.err());
    }

    private static String[] with(String[] options, String... args) {
        String[] all = Arrays.copyOf(args, args.length + options.length);
        System.arraycopy(options, 0, all, args.length, options.length);
        return all;
    }
}
