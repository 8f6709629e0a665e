package dev.seedj.llm;

import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The prompts the multimodal facade ({@code dev.seedj.multimodal.SeedOpt}) builds, read from {@value #FILE_NAME}
 * next to the model, with SEED's defaults for any field the file leaves out:
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
     * @throws ConfigException naming the file and an unknown field or a template lacking its placeholder
     */
    public static PromptTemplates load(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return defaults();
        }
        return ConfigValue.readFile(file, o -> {
            o.rejectUnknownKeys(FIELDS);
            PromptTemplates d = defaults();
            try {
                return new PromptTemplates(
                        o.get("caption").asString(d.caption()),
                        o.get("answer").asString(d.answer()),
                        o.get("image_generation").asString(d.imageGeneration()),
                        o.get("max_new_tokens").asInt(d.maxNewTokens()));
            } catch (ConfigException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw o.error(e.getMessage());
            }
        });
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

    private static void require(String template, String field, String placeholder) {
        if (template == null || !template.contains(placeholder)) {
            throw new IllegalArgumentException("prompt template '" + field + "' must contain " + placeholder
                    + ", got " + (template == null ? "nothing" : "'" + template + "'"));
        }
    }
}
