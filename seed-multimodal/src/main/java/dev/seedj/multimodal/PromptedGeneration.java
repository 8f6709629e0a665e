package dev.seedj.multimodal;

import dev.seedj.core.batch.ItemResult;
import dev.seedj.llm.CausalLanguageModel;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.Generator;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What every {@link SeedMultimodalModel} does with its language model, whatever the family: builds the prompt
 * ids from the templates, generates (greedy text under the image constraint, or exactly one image's codes after
 * {@code <img>}) and turns the tokens back into text or codes.
 *
 * <p>Thread-safe: it only reads its model, tokenizers and templates.
 */
final class PromptedGeneration {
    private final CausalLanguageModel model;
    private final TextTokenizer text;
    private final SeedTokenizer images;
    private final Vocabulary vocabulary;
    private final PromptTemplates templates;
    private final Generator generator;
    private final boolean textEndsAtImage;

    /**
     * @param model the language model
     * @param text its text tokenizer, with the image tokens
     * @param images the SEED tokenizer
     * @param templates the prompt formats
     * @param textEndsAtImage whether a generated text ends before an image the model starts writing in it (as
     *     SEED-LLaMA's {@code decode_image_text} keeps the text before {@code <img>}); otherwise the whole
     *     generation is decoded without special tokens
     */
    PromptedGeneration(CausalLanguageModel model, TextTokenizer text, SeedTokenizer images, PromptTemplates templates,
            boolean textEndsAtImage) {
        this.model = model;
        this.text = text;
        this.images = images;
        this.vocabulary = text.imageVocabulary();
        this.templates = templates;
        this.generator = new Generator(model);
        this.textEndsAtImage = textEndsAtImage;
    }

    String caption(BufferedImage image) {
        return complete(templates.captionIds(text, images.tokenize(image)));
    }

    List<String> caption(List<BufferedImage> pictures) {
        if (pictures.isEmpty()) {
            throw new IllegalArgumentException("no image to caption");
        }
        List<String> captions = new ArrayList<>(pictures.size());
        for (ItemResult<String> r : captionEach(pictures)) {
            captions.add(r.value()); // all or nothing: the first failure is thrown
        }
        return captions;
    }

    List<ItemResult<String>> captionEach(List<BufferedImage> pictures) {
        return captionCodes(images.tokenizeEach(pictures));
    }

    List<ItemResult<String>> captionFiles(List<Path> files) {
        return captionCodes(images.tokenizeFiles(files));
    }

    /** Captions every tokenized item in left-padded batches; the others keep their failure. */
    private List<ItemResult<String>> captionCodes(List<ItemResult<int[]>> codes) {
        List<ItemResult<String>> out = new ArrayList<>(codes.size());
        List<Integer> pending = new ArrayList<>(SeedMultimodalModel.MAX_CAPTION_BATCH);
        List<long[]> prompts = new ArrayList<>(SeedMultimodalModel.MAX_CAPTION_BATCH);
        for (int i = 0; i < codes.size(); i++) {
            out.add(null);
            ItemResult<long[]> prompt = codes.get(i).map(c -> templates.captionIds(text, c));
            if (!prompt.isSuccess()) {
                out.set(i, ItemResult.failure(prompt.error().orElseThrow()));
                continue;
            }
            pending.add(i);
            prompts.add(prompt.value());
            if (pending.size() == SeedMultimodalModel.MAX_CAPTION_BATCH) {
                completeBatch(pending, prompts, out);
                pending.clear();
                prompts.clear();
            }
        }
        if (!pending.isEmpty()) {
            completeBatch(pending, prompts, out);
        }
        return out;
    }

    /** Greedy completions of left-padded prompts into {@code out} at their indices; a failure fails the batch. */
    private void completeBatch(List<Integer> indices, List<long[]> prompts, List<ItemResult<String>> out) {
        try {
            int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
            int[][] tokens = generator.generate(prompts, completionConfig(longest), null).tokens();
            for (int k = 0; k < tokens.length; k++) {
                out.set(indices.get(k), ItemResult.success(tokens[k]).map(this::decodeCompletion));
            }
        } catch (RuntimeException e) {
            for (int index : indices) {
                out.set(index, ItemResult.failure(e));
            }
        }
    }

    String answer(BufferedImage image, String question) {
        Objects.requireNonNull(question, "question");
        return complete(templates.answerIds(text, images.tokenize(image), question));
    }

    int[] generateImageCodes(String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        long[] ids = templates.imageGenerationIds(text, prompt);
        int perImage = images.config().numCodes();
        GenerationConfig config = GenerationConfig.builder()
                .maxNewTokens(perImage + 1) // the codes and </img>
                .imageConstraint(vocabulary, perImage)
                .build();
        int[] tokens = generator.generate(new long[][] {ids}, null, config, null).tokens()[0];
        return vocabulary.codes(Arrays.copyOf(tokens, perImage));
    }

    float[][] generateConditioning(String prompt) {
        return images.detokenize(generateImageCodes(prompt));
    }

    private String complete(long[] ids) {
        int[] tokens = generator.generate(new long[][] {ids}, null, completionConfig(ids.length), null).tokens()[0];
        return decodeCompletion(tokens);
    }

    /** Greedy text after a prompt of {@code promptLength} tokens, within the position table. */
    private GenerationConfig completionConfig(int promptLength) {
        int room = model.maxPositions() - promptLength;
        if (room <= 0) {
            throw new IllegalArgumentException("the prompt has " + promptLength + " tokens: no room left in the"
                    + " position table of max_position_embeddings = " + model.maxPositions());
        }
        return GenerationConfig.builder()
                .maxNewTokens(Math.min(templates.maxNewTokens(), room))
                .imageConstraint(vocabulary, images.config().numCodes())
                .build();
    }

    /** The generated tokens as text: the end-of-sequence token dropped, special tokens skipped. */
    private String decodeCompletion(int[] tokens) {
        int end = tokens.length;
        if (textEndsAtImage) {
            for (int i = 0; i < tokens.length; i++) {
                if (tokens[i] == vocabulary.boiId()) {
                    end = i;
                    break;
                }
            }
        }
        long[] out = Arrays.stream(tokens, 0, end).filter(t -> t != model.eosTokenId()).asLongStream().toArray();
        return text.decode(out, true).trim();
    }
}
