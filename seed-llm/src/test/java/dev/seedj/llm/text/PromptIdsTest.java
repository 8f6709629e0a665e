package dev.seedj.llm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompts built by id ({@code PromptTemplates.*PromptIds}) equal their text form tokenized. */
class PromptIdsTest {
    private static final int[] CODES = {7, 8191, 0, 1234};

    @Test
    void captionAndGenerationPromptsByIdEqualTheTextForm(@TempDir Path dir) throws Exception {
        try (TextTokenizer t = TextTokenizer.load(TinyByteLevelBpe.write(dir))) {
            Vocabulary v = t.imageVocabulary();
            assertArrayEquals(new long[] {v.boiId(), v.tokenId(7), v.tokenId(8191), v.tokenId(0), v.tokenId(1234),
                v.eoiId()}, v.imageIds(CODES));
            // text on both sides of {image}, a template ending in <img>, and one that does not
            PromptTemplates templates = new PromptTemplates("a cat {image} cat a", "{image}Question: {question}",
                    "{prompt} cat<img>", 40);
            assertArrayEquals(t.encode(templates.captionPrompt(CODES)),
                    templates.captionPromptIds(CODES, v, t::encode));
            long[] generation = templates.imageGenerationPromptIds("a cat", v, t::encode);
            assertArrayEquals(t.encode(templates.imageGenerationPrompt("a cat")), generation);
            assertEquals(v.boiId(), generation[generation.length - 1]);

            PromptTemplates noBoi = new PromptTemplates("{image}", "{image}{question}", "{prompt}", 40);
            long[] appended = noBoi.imageGenerationPromptIds("a cat", v, t::encode);
            assertArrayEquals(t.encode("a cat<img>"), appended);
            assertArrayEquals(v.imageIds(CODES), PromptTemplates.defaults().captionPromptIds(CODES, v, t::encode));
        }
    }
}
