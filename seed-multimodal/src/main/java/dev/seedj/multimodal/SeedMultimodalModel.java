package dev.seedj.multimodal;

import dev.seedj.core.batch.ItemResult;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.llama.LlamaLoadOptions;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A SEED multimodal language model, whatever its family: one decoder-only LLM that reads images as SEED codes
 * (captions, answers to questions about an image) and writes them (text to image codes, which the SEED
 * tokenizer's decoder turns into the conditioning of a diffusion model). Implemented by {@link SeedOpt} and
 * {@link SeedLlama}; {@link #load} picks the family from the model's {@code config.json}.
 *
 * <p>An image enters a prompt as {@code <img>}, one image token per code, {@code </img>}, put in by id; the
 * caller's questions and prompts are plain text. Captions and answers are greedy. Image generation starts
 * after the image-generation prompt and its {@code <img>} and decodes under the image constraint, so it
 * always yields exactly the tokenizer's number of codes per image.
 *
 * <pre>{@code
 * try (SeedTokenizer images = SeedTokenizer.load(Path.of("models/seed-tokenizer-v2"));
 *         SeedMultimodalModel seed = SeedMultimodalModel.load(Path.of("models/seed-llama-8b"), null, images)) {
 *     String caption = seed.caption(ImageIO.read(new File("cat.jpg")));
 *     float[][] conditioning = seed.generateConditioning("a cat sitting on a red sofa");
 * }
 * }</pre>
 *
 * <p>Implementations are thread-safe for these calls; {@link #close()} must not race with them.
 */
public interface SeedMultimodalModel extends AutoCloseable {
    /** Prompts per language-model batch in {@link #caption(List)} and {@link #captionEach(List)}. */
    int MAX_CAPTION_BATCH = 16;


    /**
     * Loads the SEED model of a language-model directory, of the family its {@code config.json} names
     * ({@link LanguageModelFamily#detect}): {@link SeedOpt} for {@code opt}, {@link SeedLlama} for
     * {@code llama} (with the prompt format {@link SeedLlamaFormat#detect} picks).
     *
     * @param llmDir a Hugging Face model directory with its text tokenizer
     * @param adapterDirOrNull a PEFT LoRA adapter directory, or null
     * @param imageTokenizer the SEED tokenizer whose codes the model reads and writes (not closed by the model)
     * @return the model
     * @throws IllegalArgumentException if the family is unknown, the adapter was made for another model, or the
     *     model and the image tokenizer have different codebook sizes
     */
    static SeedMultimodalModel load(Path llmDir, Path adapterDirOrNull, SeedTokenizer imageTokenizer) {
        Objects.requireNonNull(llmDir, "llmDir");
        return switch (LanguageModelFamily.detect(llmDir)) {
            case OPT -> SeedOpt.load(llmDir, adapterDirOrNull, imageTokenizer);
            case LLAMA -> SeedLlama.load(llmDir, adapterDirOrNull, imageTokenizer, SeedLlama.templates(llmDir),
                    LlamaLoadOptions.defaults());
        };
    }

    /**
     * @param image any image
     * @return a caption of it
     */
    String caption(BufferedImage image);

    /**
     * Captions several images in batches: the images are tokenized together and their prompts go through the
     * language model as left-padded batches of up to {@value #MAX_CAPTION_BATCH} (greedy, so the captions equal
     * {@link #caption(BufferedImage)}'s). All or nothing: see {@link #captionEach(List)} for one result or error
     * per image.
     *
     * @param images any images
     * @return one caption per image, in order
     * @throws IllegalArgumentException if the list is empty or holds null
     * @throws RuntimeException the first image's error, if an image cannot be captioned
     */
    List<String> caption(List<BufferedImage> images);

    /**
     * Captions images one result per image, batched as {@link #caption(List)} does: an image that cannot be
     * tokenized (null, failing its preprocessing) gets its own failure, a language-model batch that fails fails
     * its images only, and every other image gets its caption.
     *
     * @param images any images
     * @return per image in list order: its caption, or why it has none
     */
    List<ItemResult<String>> captionEach(List<BufferedImage> images);

    /**
     * Reads and captions image files one result per file ({@link SeedTokenizer#tokenizeFiles}): a missing or
     * unreadable file gets its own failure naming it, every other file its caption.
     *
     * @param files image files
     * @return per file in list order: its caption, or why it has none
     */
    List<ItemResult<String>> captionFiles(List<Path> files);

    /**
     * @param image any image
     * @param question a question about it, plain text
     * @return the model's answer
     */
    String answer(BufferedImage image, String question);

    /**
     * @param prompt what the image should show, plain text
     * @return the image codes the model writes: exactly the tokenizer's number of codes per image, each in
     *     {@code [0, codebook size)}
     */
    int[] generateImageCodes(String prompt);

    /**
     * Text to image conditioning: {@link #generateImageCodes} through the image tokenizer's decoder.
     *
     * @param prompt what the image should show
     * @return the tokenizer's generation embeddings (SEED v1: 77 x 768 Stable Diffusion text conditioning;
     *     SEED-2: 1 x 1024 unCLIP image embedding)
     */
    float[][] generateConditioning(String prompt);

    /**
     * Text to picture, as SEED's inference scripts end: {@link #generateImageCodes} and then the diffusion
     * pipeline of {@code pictures} ({@link SeedPictures#picture(int[], PictureSettings)}), which must have been
     * opened with this model's image tokenizer.
     *
     * @param prompt what the picture should show
     * @param pictures the SEED tokenizer's decoder and a Stable Diffusion pipeline (not closed here)
     * @param settings steps, guidance, seed and size ({@link SeedPictures#defaults()} for the pipeline's own)
     * @return the picture
     * @throws IllegalArgumentException if the codebook of {@code pictures}' tokenizer is not this model's
     */
    default BufferedImage generatePicture(String prompt, SeedPictures pictures, PictureSettings settings) {
        Objects.requireNonNull(pictures, "pictures");
        Objects.requireNonNull(settings, "settings");
        int codebook = pictures.tokenizer().config().codebook().size();
        if (codebook != vocabulary().numCodes()) {
            throw new IllegalArgumentException("the pictures' SEED tokenizer has " + codebook
                    + " codes but this language model writes " + vocabulary().numCodes());
        }
        return pictures.picture(generateImageCodes(prompt), settings);
    }

    /** @return the text tokenizer of the language model */
    TextTokenizer textTokenizer();

    /** @return the image tokens' ids in the language model's vocabulary */
    Vocabulary vocabulary();

    /** @return the prompt templates in use */
    PromptTemplates templates();

    /** Frees the language model and its text tokenizer, not the image tokenizer (the caller owns it). */
    @Override
    void close();
}
