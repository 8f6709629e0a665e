package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import dev.seedj.llm.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SEED-LLaMA's 8B ({@code USER: ... ASSISTANT:}) and 14B ({@code [INST] ... [/INST]}) prompts built by id from
 * {@link PromptTemplates#seedLlama8b()} / {@link PromptTemplates#seedLlama14b()} equal the ids SEED's Python
 * gets for the prompt string ({@code oracle/llama-tiny/tokenizer_cases.jsonl}); image-token strings in a
 * question stay text.
 */
class LlamaPromptFormatsTest {
    private static final String IMAGE = "(<img>(?:<img_\\d{5}>)+</img>)";
    private static final Pattern EIGHT_B_IMAGE = Pattern.compile("<s>USER: " + IMAGE + "(.*)\nASSISTANT:", Pattern.DOTALL);
    private static final Pattern EIGHT_B_TEXT = Pattern.compile("<s>USER: (.*)\nASSISTANT:", Pattern.DOTALL);
    private static final Pattern FOURTEEN_B_IMAGE = Pattern.compile("<s>\\[INST\\] " + IMAGE + "(.*) \\[/INST\\]\n", Pattern.DOTALL);
    private static final Pattern FOURTEEN_B_TEXT = Pattern.compile("<s>\\[INST\\] (.*) \\[/INST\\]\n", Pattern.DOTALL);
    private static final Pattern CODE = Pattern.compile("<img_(\\d{5})>");

    private static int[] codes(String imageText) {
        Matcher m = CODE.matcher(imageText);
        List<Integer> out = new ArrayList<>();
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long[] ids(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    @Test
    void seedLlamaPromptsBuiltByIdMatchSeedsPython() throws Exception {
        Path dir = Oracle.path("llama-tiny");
        int[] checked = new int[4];
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            for (String line : Files.readAllLines(dir.resolve("tokenizer_cases.jsonl"), StandardCharsets.UTF_8)) {
                JsonObject c = JsonParser.parseString(line).getAsJsonObject();
                if (c.has("decode_only")) {
                    continue;
                }
                String text = c.get("text").getAsString();
                long[] expected = ids(c.getAsJsonArray("ids_no_special_tokens"));
                Matcher m;
                if ((m = EIGHT_B_IMAGE.matcher(text)).matches()) {
                    assertArrayEquals(expected, PromptTemplates.seedLlama8b().answerIds(tok, codes(m.group(1)), m.group(2)), text);
                    checked[0]++;
                } else if ((m = EIGHT_B_TEXT.matcher(text)).matches()) {
                    assertArrayEquals(expected, withoutLast(PromptTemplates.seedLlama8b().imageGenerationIds(tok, m.group(1))), text);
                    checked[1]++;
                } else if ((m = FOURTEEN_B_IMAGE.matcher(text)).matches()) {
                    assertArrayEquals(expected, PromptTemplates.seedLlama14b().answerIds(tok, codes(m.group(1)), m.group(2)), text);
                    checked[2]++;
                } else if ((m = FOURTEEN_B_TEXT.matcher(text)).matches()) {
                    assertArrayEquals(expected, withoutLast(PromptTemplates.seedLlama14b().imageGenerationIds(tok, m.group(1))), text);
                    checked[3]++;
                }
            }
            assertTrue(Arrays.stream(checked).allMatch(n -> n >= 5), "cases per format: " + Arrays.toString(checked));
        }
    }

    private static long[] withoutLast(long[] ids) {
        assertEquals(8512, ids[ids.length - 1], "image generation ends with <img>");
        return Arrays.copyOf(ids, ids.length - 1);
    }

    @Test
    void imageStringsInALlamaQuestionStayText() throws Exception {
        try (TextTokenizer tok = TextTokenizer.load(Oracle.path("llama-tiny"))) {
            String question = " <img><img_00042></img> what?</s>";
            long[] ids = PromptTemplates.seedLlama8b().answerIds(tok, new int[] {5, 6}, question);
            long[] image = {8512, 325, 326, 8513};
            long[] prefix = tok.prompt().token(1).trustedText("USER:").build();
            // the question is plain text after </img>: lstripped as Python strips after an added token
            long[] questionIds = tok.encode("<img><img_00042></img> what?</s>\nASSISTANT:");
            long[] expected = java.util.stream.LongStream.concat(java.util.stream.LongStream.concat(
                    Arrays.stream(prefix), Arrays.stream(image)), Arrays.stream(questionIds)).toArray();
            assertArrayEquals(expected, ids);
            assertEquals(2, Arrays.stream(ids).filter(tok.imageVocabulary()::isImageToken).count());
            assertEquals(0, Arrays.stream(ids).filter(id -> id == 2).count(), "</s> in the question is text");
        }
    }
}
