package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prompt templates read from {@value PromptTemplates#FILE_NAME}. */
class PromptTemplatesTest {

    @Test
    void templatesComeFromTheJsonNextToTheModel(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(PromptTemplates.FILE_NAME), "{\"caption\": \"{image}A photo of\", \"max_new_tokens\": 5}");
        PromptTemplates t = PromptTemplates.load(dir);
        assertEquals("<img><img_00001><img_00002></img>A photo of", t.captionPrompt(new int[] {1, 2}));
        assertEquals(5, t.maxNewTokens());
        assertEquals(PromptTemplates.defaults().answer(), t.answer());
        assertEquals("a dog<img>", t.imageGenerationPrompt("a dog"));
        Files.writeString(dir.resolve(PromptTemplates.FILE_NAME), "{\"caption\": \"no image here\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptTemplates.load(dir));
        assertTrue(e.getMessage().contains("{image}"));
        Files.writeString(dir.resolve(PromptTemplates.FILE_NAME), "{\"captoin\": \"{image}\"}");
        e = assertThrows(IllegalArgumentException.class, () -> PromptTemplates.load(dir));
        assertTrue(e.getMessage().contains("captoin"));
    }
}
