package dev.seedj.llm;

import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.llm.text.PromptIds;
import dev.seedj.llm.text.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
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
 * <p>The {@code ...Ids} methods build the token ids by id ({@link PromptIds}): the template's own text may name
 * special tokens (such as the {@code <img>} of {@code "{prompt}<img>"}), the image comes in as ids, and the
 * question or prompt is plain text, so a user who writes {@code <img_01234>} cannot inject image codes. For text
 * without special strings the ids equal those of the Python tokenizer on the whole prompt string. The
 * {@code ...Prompt} methods give the prompt as text, for display.
 *
 * <p>SEED's formats: {@link #defaults()} for SEED-OPT, {@link #seedLlama8b()} ({@code USER: ... ASSISTANT:},
 * Vicuna-based) and {@link #seedLlama14b()} ({@code [INST] ... [/INST]}, LLaMA-2-based) as SEED's
 * {@code scripts/seed_llama_inference_{8B,14B}.py} write them.
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

    /** Tokens generated at most by SEED-LLaMA's inference scripts ({@code max_new_tokens: 512}). */
    private static final int SEED_LLAMA_MAX_NEW_TOKENS = 512;
    /** The question a SEED-LLaMA caption answers (SEED's scripts have no captioning prompt of their own). */
    private static final String CAPTION_QUESTION = "Describe the image.";

    /** @return SEED-OPT's prompt formats */
    public static PromptTemplates defaults() {
        return new PromptTemplates("{image}", "{image}Question: {question}\nAnswer:", "{prompt}<img>", 40);
    }

    /**
     * SEED-LLaMA 8B (Vicuna-7B based): {@code <s>USER: <img>..</img>question\nASSISTANT:}, and
     * {@code <s>USER: prompt\nASSISTANT:} for text to image, as {@code scripts/seed_llama_inference_8B.py}.
     *
     * @return the 8B formats; a caption answers "Describe the image."
     */
    public static PromptTemplates seedLlama8b() {
        return new PromptTemplates("USER: {image}" + CAPTION_QUESTION + "\nASSISTANT:", "USER: {image}{question}\nASSISTANT:",
                "USER: {prompt}\nASSISTANT:", SEED_LLAMA_MAX_NEW_TOKENS);
    }

    /**
     * SEED-LLaMA 14B (LLaMA2-13B based): {@code <s>[INST] <img>..</img>question [/INST]\n}, and
     * {@code <s>[INST] prompt [/INST]\n} for text to image, as {@code scripts/seed_llama_inference_14B.py}.
     *
     * @return the 14B formats; a caption answers "Describe the image."
     */
    public static PromptTemplates seedLlama14b() {
        return new PromptTemplates("[INST] {image}" + CAPTION_QUESTION + " [/INST]\n", "[INST] {image}{question} [/INST]\n",
                "[INST] {prompt} [/INST]\n", SEED_LLAMA_MAX_NEW_TOKENS);
    }

    /**
     * @param modelDir the directory of the model; its {@value #FILE_NAME} is optional
     * @return the templates of that file over the defaults, or the defaults
     * @throws ConfigException naming the file and an unknown field or a template lacking its placeholder
     */
    public static PromptTemplates load(Path modelDir) {
        return load(modelDir, defaults());
    }

    /**
     * @param modelDir the directory of the model; its {@value #FILE_NAME} is optional
     * @param fallback the formats of the model family, e.g. {@link #seedLlama8b()}
     * @return the templates of that file over {@code fallback}, or {@code fallback}
     * @throws IllegalArgumentException for an unknown field or a template lacking its placeholder
     */
    public static PromptTemplates load(Path modelDir, PromptTemplates fallback) {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return fallback;
        }
        return ConfigValue.readFile(file, o -> {
            o.rejectUnknownKeys(FIELDS);
            PromptTemplates d = fallback;
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

    /**
     * @param tokenizer the model's text tokenizer
     * @param codes the image's codes
     * @return BOS and the captioning prompt's ids
     */
    public long[] captionIds(TextTokenizer tokenizer, int[] codes) {
        return ids(tokenizer, caption, Map.of("{image}", codes));
    }

    /**
     * @param tokenizer the model's text tokenizer
     * @param codes the image's codes
     * @param question the question, plain text
     * @return BOS and the question prompt's ids
     */
    public long[] answerIds(TextTokenizer tokenizer, int[] codes, String question) {
        return ids(tokenizer, answer, Map.of("{image}", codes, "{question}", question));
    }

    /**
     * @param tokenizer the model's text tokenizer
     * @param prompt what the image should show, plain text
     * @return BOS and the image-generation prompt's ids, ending with {@code <img>} (appended if the template
     *     does not end with it): image codes are generated next
     */
    public long[] imageGenerationIds(TextTokenizer tokenizer, String prompt) {
        long[] ids = ids(tokenizer, imageGeneration, Map.of("{prompt}", prompt));
        int boi = tokenizer.imageVocabulary().boiId();
        if (ids[ids.length - 1] != boi) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = boi;
        }
        return ids;
    }

    /** BOS, then the template with its literal text trusted and each placeholder by id or as plain text. */
    private static long[] ids(TextTokenizer tokenizer, String template, Map<String, Object> values) {
        PromptIds out = tokenizer.prompt();
        if (tokenizer.bosId() >= 0) {
            out.token(tokenizer.bosId());
        }
        int at = 0;
        while (at < template.length()) {
            int next = -1;
            String placeholder = null;
            for (String p : values.keySet()) {
                int i = template.indexOf(p, at);
                if (i >= 0 && (next < 0 || i < next)) {
                    next = i;
                    placeholder = p;
                }
            }
            if (placeholder == null) {
                out.trustedText(template.substring(at));
                break;
            }
            out.trustedText(template.substring(at, next));
            Object value = values.get(placeholder);
            if (value instanceof int[] codes) {
                out.image(codes);
            } else {
                out.text((String) value);
            }
            at = next + placeholder.length();
        }
        return out.build();
    }

    private static void require(String template, String field, String placeholder) {
        if (template == null || !template.contains(placeholder)) {
            throw new IllegalArgumentException("prompt template '" + field + "' must contain " + placeholder
                    + ", got " + (template == null ? "nothing" : "'" + template + "'"));
        }
    }
}
