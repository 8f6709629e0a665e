package dev.seedj.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.seedj.core.testing.Oracle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the documentation's code on the bundled demo model (the oracle's v1-tiny) and checks what it prints. */
class QuickstartSnippetsTest {
    // the oracle's v1-tiny codes of cat_main.jpg and dog3.jpg (v1-tiny case.json, codes.photos[1] and [2])
    private static final String CAT_MAIN = "[2227, 1581, 1581, 1581, 1581, 1171, 1171, 1581, 1171, 1171, 1581, 2191, "
            + "7176, 4102, 1581, 6420, 1581, 1581, 7152, 1581, 1581, 1171, 6420, 1171, 1581, 1581, 1581, 1581, 6420, "
            + "6420, 6420, 2191]";
    private static final String DOG3 = "[1171, 6420, 6420, 1581, 1171, 1171, 6420, 1581, 1171, 1171, 1171, 3940, 7176, "
            + "4102, 1581, 6420, 4102, 6420, 6420, 1171, 6420, 6420, 6420, 1171, 1581, 1581, 1581, 1581, 1171, 6420, "
            + "6420, 6420]";

    private final Path model = Path.of("..", "models", "demo-v1-tiny"); // the bundled demo model, run from seed-examples

    @Test
    void tokenizeSnippetPrintsTheReferenceCodesAndTheConditioningShape() throws Exception {
        List<String> lines = printed(() -> QuickstartSnippets.tokenizeAndDetokenize(model, model.resolve("example.jpg")));
        assertEquals(List.of(CAT_MAIN + " in [0, 8192)", "77 x 768"), lines);
    }

    @Test
    void batchSnippetPrintsOneLinePerPhoto() throws Exception {
        List<String> lines = printed(() -> QuickstartSnippets.batch(model, Oracle.path("images", "cat_main.jpg"),
                Oracle.path("images", "dog3.jpg")));
        assertEquals(List.of("cat_main.jpg " + CAT_MAIN, "dog3.jpg " + DOG3), lines);
    }

    @Test
    void seedOptSnippetCaptionsAndImagines() throws Exception {
        Path llm = Path.of("..", "models", "demo-opt-tiny");
        List<String> lines = printed(() -> QuickstartSnippets.seedOpt(model, llm, model.resolve("example.jpg")));
        // random demo weights: the caption is noise, the image path is exact in shape
        assertEquals("32 codes -> 77 x 768", lines.get(lines.size() - 1));
    }

    @Test
    void djlSnippetPrintsTheReferenceCodes() throws Exception {
        List<String> lines = printed(() -> QuickstartSnippets.djlPredictor(model, Oracle.path("images",
                "cat_main.decoded.png")));
        assertEquals(List.of(CAT_MAIN), lines);
    }

    @FunctionalInterface
    interface Snippet {
        void run() throws Exception;
    }

    private static List<String> printed(Snippet snippet) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            snippet.run();
        } finally {
            System.setOut(original);
        }
        return Arrays.asList(bytes.toString(StandardCharsets.UTF_8).split("\\R"));
    }
}
