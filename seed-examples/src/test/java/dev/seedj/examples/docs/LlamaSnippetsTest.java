package dev.seedj.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import dev.seedj.llm.LlmDtype;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaSnippetsTest {

    @Test
    void llamaSnippetRunsOnTheTinyFixture() {
        long[][] ids = {{0, 0, 1, 5, 9}, {1, 7, 3, 4, 8}};
        long[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}};
        Object[] out = LlamaSnippets.logitsAndGreedy(Oracle.path("llama-tiny"), ids, mask,
                List.of(new long[] {1, 5, 9}, new long[] {1, 7, 3, 4, 8}));
        assertEquals(new Shape(2, 5, 8514), out[0]);
        int[] tokens = (int[]) out[1];
        assertTrue(tokens.length >= 1 && tokens.length <= 8);
    }

    @Test
    void seedLlamaSnippetAnswersAndImagines(@TempDir Path dir) throws Exception {
        // the oracle's v2-tiny as a SEED-2 tokenizer directory
        Files.copy(Path.of("src/test/resources/seed2-tiny/seed-tokenizer.json"), dir.resolve("seed-tokenizer.json"));
        Files.createSymbolicLink(dir.resolve("weights.safetensors"),
                Oracle.path("v2-tiny", "weights.safetensors").toAbsolutePath());
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            LlamaSnippets.seedLlama(dir, llamaTiny128(dir.resolve("llm")), Oracle.path("images", "cat_main.decoded.png"));
        } finally {
            System.setOut(original);
        }
        List<String> lines = Arrays.asList(bytes.toString(StandardCharsets.UTF_8).split("\\R"));
        assertEquals("SEED-LLaMA", lines.get(0));
        // random weights: the answer is noise; 32 codes in the codebook, SEED-2's 1 x 64 embedding
        String last = lines.get(lines.size() - 1);
        assertTrue(last.endsWith("] -> 1 x 64"), last);
        long[] codes = Arrays.stream(last.substring(1, last.indexOf(']')).split(", ")).mapToLong(Long::parseLong).toArray();
        assertEquals(32, codes.length);
        assertTrue(Arrays.stream(codes).allMatch(c -> c >= 0 && c < 8192), last);
    }

    /** llama-tiny's weights and tokenizer files with 128 positions (same math): short answers, a fast test. */
    private static Path llamaTiny128(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (String f : new String[] {"model.safetensors", "tokenizer.model", "added_tokens.json",
            "special_tokens_map.json", "tokenizer_config.json"}) {
            Files.createSymbolicLink(dir.resolve(f), Oracle.path("llama-tiny", f).toAbsolutePath());
        }
        Files.writeString(dir.resolve("config.json"), Files.readString(Oracle.path("llama-tiny", "config.json"))
                .replace("\"max_position_embeddings\": 256", "\"max_position_embeddings\": 128"));
        return dir;
    }

    @Test
    void dtypeSnippetLoadsBfloat16LlamaAndInt8Opt() {
        Object[] out = LlamaSnippets.dtypes(Oracle.path("llama-tiny"), Oracle.path("opt-tiny"));
        assertEquals(LlmDtype.BFLOAT16, out[0]);
        assertEquals(LlmDtype.BFLOAT16, out[1]);
        assertEquals(3, ((Shape) out[2]).get(1));
    }
}
