package dev.seedj.llm;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The prompts {@link SeedOpt} builds, read from {@value #FILE_NAME} next to the model, with SEED's defaults
 * for any field the file leaves out:
 *
 * <pre>{@code
 * {
 *   "caption": "{image}",
 *   "answer": "{image}Question: {question}\nAnswer:",
 *   "image_generation": "{prompt}<img>",
 *   "max_new_tokens": 40
 * }
 * }</pre>
 *
 * {@code {image}} becomes {@code <img>}, one {@code <img_XXXXX>} per code, {@code </img>}; {@code {question}}
 * and {@code {prompt}} the caller's text. The BOS token is put in front of every prompt (as SEED does with
 * {@code tokenizer.bos_token + ...}); {@code max_new_tokens} bounds captions and answers.
 *
 * <p>Immutable and thread-safe.
 *
 * @param caption template of a captioning prompt, with {@code {image}}
 * @param answer template of a question about an image, with {@code {image}} and {@code {question}}
 * @param imageGeneration template of an image-generation prompt, with {@code {prompt}}; generation starts after
 *     it (an {@code <img>} is appended if it does not end with one)
 * @param maxNewTokens tokens generated at most for a caption or an answer
 */
public record PromptTemplates(String caption, String answer, String imageGeneration, int maxNewTokens) {
    /** The file name looked for in the model directory. */
    public static final String FILE_NAME = "seed_prompts.json";

    private static final Set<String> FIELDS = Set.of("caption", "answer", "image_generation", "max_new_tokens");

    /**
     * Checks that every template has its placeholders.
     *
     * @param caption template of a captioning prompt, with {@code {image}}
     * @param answer template of a question about an image, with {@code {image}} and {@code {question}}
     * @param imageGeneration template of an image-generation prompt, with {@code {prompt}}; generation starts after
     *     it (an {@code <img>} is appended if it does not end with one)
     * @param maxNewTokens tokens generated at most for a caption or an answer
     */
    public PromptTemplates {
        require(caption, "caption", "{image}");
        require(answer, "answer", "{image}");
        require(answer, "answer", "{question}");
        require(imageGeneration, "image_generation", "{prompt}");
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("max_new_tokens must be positive, got " + maxNewTokens);
        }
    }

    /** @return SEED's prompt formats */
    public static PromptTemplates defaults() {
        return new PromptTemplates("{image}", "{image}Question: {question}\nAnswer:", "{prompt}<img>", 40);
    }

    /**
     * @param modelDir the directory of the model; its {@value #FILE_NAME} is optional
     * @return the templates of that file over the defaults, or the defaults
     * @throws IllegalArgumentException for an unknown field or a template lacking its placeholder
     */
    public static PromptTemplates load(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return defaults();
        }
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            JsonObject o = root.getAsJsonObject();
            for (String key : o.keySet()) {
                if (!FIELDS.contains(key)) {
                    throw new IllegalArgumentException("unknown field '" + key + "' (expected " + FIELDS + ")");
                }
            }
            PromptTemplates d = defaults();
            return new PromptTemplates(
                    o.has("caption") ? o.get("caption").getAsString() : d.caption(),
                    o.has("answer") ? o.get("answer").getAsString() : d.answer(),
                    o.has("image_generation") ? o.get("image_generation").getAsString() : d.imageGeneration(),
                    o.has("max_new_tokens") ? o.get("max_new_tokens").getAsInt() : d.maxNewTokens());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (IllegalArgumentException | JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param codes the image's codes
     * @return the captioning prompt text
     */
    public String captionPrompt(int[] codes) {
        return caption.replace("{image}", Vocabulary.imageText(codes));
    }

    /**
     * @param codes the image's codes
     * @param question the question
     * @return the question prompt text
     */
    public String answerPrompt(int[] codes, String question) {
        return answer.replace("{image}", Vocabulary.imageText(codes)).replace("{question}", question);
    }

    /**
     * @param prompt what the image should show
     * @return the image-generation prompt text
     */
    public String imageGenerationPrompt(String prompt) {
        return imageGeneration.replace("{prompt}", prompt);
    }

    /**
     * The captioning prompt as token ids, built by id: the template's text pieces through {@code encodeText},
     * {@code {image}} as {@link Vocabulary#imageIds}. Equals encoding {@link #captionPrompt} with a tokenizer that
     * knows the image tokens (which split the text), without writing the codes out as text. No BOS.
     *
     * @param codes the image's codes
     * @param vocabulary the image tokens' ids
     * @param encodeText tokenizes plain text, adding no special token
     * @return the prompt's ids
     */
    public long[] captionPromptIds(int[] codes, Vocabulary vocabulary, Function<String, long[]> encodeText) {
        String[] around = caption.split(Pattern.quote("{image}"), -1);
        long[] image = vocabulary.imageIds(codes);
        List<long[]> pieces = new ArrayList<>();
        for (int i = 0; i < around.length; i++) {
            if (i > 0) {
                pieces.add(image);
            }
            pieces.add(encodeText.apply(around[i]));
        }
        return concat(pieces);
    }

    /**
     * The image-generation prompt as token ids, ending with the id of {@code <img>} (appended, as
     * {@link SeedOpt#generateImageCodes} does, when the template does not end with it). No BOS.
     *
     * @param prompt what the image should show
     * @param vocabulary the image tokens' ids
     * @param encodeText tokenizes plain text, adding no special token
     * @return the prompt's ids; the image's code ids follow them
     */
    public long[] imageGenerationPromptIds(String prompt, Vocabulary vocabulary,
            Function<String, long[]> encodeText) {
        String text = imageGenerationPrompt(prompt);
        if (text.endsWith(Vocabulary.BOI)) {
            text = text.substring(0, text.length() - Vocabulary.BOI.length());
        }
        return concat(List.of(encodeText.apply(text), new long[] {vocabulary.boiId()}));
    }

    private static long[] concat(List<long[]> pieces) {
        long[] out = new long[pieces.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (long[] p : pieces) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static void require(String template, String field, String placeholder) {
        if (template == null || !template.contains(placeholder)) {
            throw new IllegalArgumentException("prompt template '" + field + "' must contain " + placeholder
                    + ", got " + (template == null ? "nothing" : "'" + template + "'"));
        }
    }
}
