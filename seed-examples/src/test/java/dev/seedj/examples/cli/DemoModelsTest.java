package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.llm.OptConfig;
import dev.seedj.llm.text.TextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The bundled demo models are complete: the LLM's text tokenizer lines up with opt-tiny's vocabulary. */
class DemoModelsTest {

    @Test
    void demoLlmTokenizerPutsTheImageTokensWhereOptTinyHasThem() {
        Path llm = OracleCases.demoLlm();
        OptConfig config = OptConfig.load(llm.resolve("config.json"));
        try (TextTokenizer tokenizer = TextTokenizer.load(llm)) {
            assertEquals(config.vocabSize(), tokenizer.size());
            assertEquals(2, tokenizer.bosId());
            assertEquals(1000, tokenizer.tokenId("<img_00000>"));
            assertEquals(1000 + 8191, tokenizer.tokenId("<img_08191>"));
            assertEquals(9192, tokenizer.tokenId("<img>"));
            assertEquals(9193, tokenizer.tokenId("</img>"));
            long[] ids = tokenizer.encode("a cat <img_00042> on a mat", tokenizer.specialTokens());
            assertTrue(Arrays.stream(ids).allMatch(id -> id < 1000 || id == 1042), Arrays.toString(ids));
            assertEquals(1, Arrays.stream(ids).filter(id -> id == 1042).count());
            assertEquals("a cat <img_00042> on a mat", tokenizer.decode(ids, false));
            long[] plain = tokenizer.encode("a cat <img_00042> on a mat");
            assertTrue(Arrays.stream(plain).allMatch(id -> id < 1000), "user text cannot hold image tokens");
            assertEquals("a cat <img_00042> on a mat", tokenizer.decode(plain, false));
        }
    }
}
