package dev.seedj.multimodal;

import dev.seedj.core.batch.ItemResult;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.OptModel;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SEED-OPT: one OPT model that reads images as SEED tokens (captions, answers to questions) and writes them
 * (text to image codes, which the SEED tokenizer's decoder turns into Stable Diffusion conditioning).
 *
 * <p>A sequence is the BOS token followed by a {@link PromptTemplates} template, where an image is
 * {@code <img>}, one {@code <img_XXXXX>} token per code (32 for SEED), {@code </img>}, put in by id: questions and
 * prompts are plain text, so image-token strings in them stay text. Captions and answers are
 * greedy, end at the end-of-sequence token or after {@code max_new_tokens}, and are decoded without special
 * tokens. Image generation appends {@code <img>} to the prompt and decodes under the image constraint, so it
 * always yields exactly as many valid codes as the tokenizer emits per image.
 *
 * <pre>{@code
 * try (SeedTokenizer images = SeedTokenizer.load(Path.of("models/seed-tokenizer-v1"));
 *         SeedOpt seed = SeedOpt.load(Path.of("models/seed-opt"), Path.of("models/seed-opt-lora"), images)) {
 *     String caption = seed.caption(ImageIO.read(new File("cat.jpg")));
 *     float[][] conditioning = seed.generateConditioning("a cat sitting on a red sofa");
 * }
 * }</pre>
 *
 * <p>Thread-safe: the model, the tokenizers and the generator may serve concurrent calls. {@link #close()}
 * frees the language model and the text tokenizer, not the image tokenizer (the caller owns it), and must not
 * race with calls.
 */
public final class SeedOpt implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SeedOpt.class);
    /** Rows an OPT embedding table may have beyond its text vocabulary without image tokens (padding to 8). */
    private static final int VOCABULARY_PADDING = 8;
    /** Prompts per language-model batch in {@link #caption(List)} and {@link #captionEach(List)}. */
    public static final int MAX_CAPTION_BATCH = 16;

    private final OptModel base;
    private final OptModel model;
    private final TextTokenizer text;
    private final SeedTokenizer images;
    private final Vocabulary vocabulary;
    private final PromptTemplates templates;
    private final Generator generator;

    private SeedOpt(OptModel base, OptModel model, TextTokenizer text, SeedTokenizer images, PromptTemplates templates) {
        this.base = base;
        this.model = model;
        this.text = text;
        this.images = images;
        this.vocabulary = text.imageVocabulary();
        this.templates = templates;
        this.generator = new Generator(model);
    }

    /**
     * Loads SEED-OPT.
     *
     * @param llmDir a Hugging Face OPT directory with its text tokenizer ({@code tokenizer.json}, or
     *     {@code vocab.json} + {@code merges.txt}) and optionally {@value PromptTemplates#FILE_NAME}
     * @param adapterDirOrNull a PEFT LoRA adapter directory, or null for the model as it is
     * @param imageTokenizer the SEED tokenizer whose codes the model reads and writes (not closed by this object)
     * @return the model
     * @throws IllegalArgumentException if the vocabulary, the adapter and the model do not fit together, or the
     *     language model was trained for another codebook size than the image tokenizer's (naming both)
     */
    public static SeedOpt load(Path llmDir, Path adapterDirOrNull, SeedTokenizer imageTokenizer) {
        Objects.requireNonNull(imageTokenizer, "imageTokenizer");
        PromptTemplates templates = PromptTemplates.load(llmDir);
        TextTokenizer text = TextTokenizer.load(llmDir, imageTokenizer.config().codebook().size());
        OptModel base = null;
        try {
            base = OptModel.load(llmDir);
            int codebook = imageTokenizer.config().codebook().size();
            if (adapterDirOrNull == null) {
                checkCodebook(llmDir, base.config().vocabSize(), text, codebook);
                fitVocabulary(base, text.size(), -1);
                return new SeedOpt(base, base, text, imageTokenizer, templates);
            }
            try (LoraAdapter adapter = LoraAdapter.load(adapterDirOrNull)) {
                long saved = savedVocabularyRows(base, adapter);
                checkCodebook(llmDir, saved >= 0 ? saved : base.config().vocabSize(), text, codebook);
                fitVocabulary(base, text.size(), saved);
                OptModel adapted = base.withAdapter(adapter);
                return new SeedOpt(base, adapted, text, imageTokenizer, templates);
            }
        } catch (RuntimeException e) {
            if (base != null) {
                base.close();
            }
            text.close();
            throw e;
        }
    }

    /**
     * Refuses a language model trained for another codebook size than the image tokenizer's. An embedding table
     * with more than {@value #VOCABULARY_PADDING} rows beyond the text vocabulary (OPT pads its table to a
     * multiple of 8) holds image tokens: text + codes + {@code <img>} + {@code </img>}.
     */
    private static void checkCodebook(Path llmDir, long rows, TextTokenizer text, int codebook) {
        long textTokens = text.imageVocabulary().tokenId(0);
        long trainedCodes = rows - textTokens - 2;
        if (rows - textTokens > VOCABULARY_PADDING && trainedCodes != codebook) {
            throw new IllegalArgumentException("the language model in " + llmDir + " reads and writes " + trainedCodes
                    + " image codes (" + rows + " embedding rows = " + textTokens + " text tokens + " + trainedCodes
                    + " codes + <img>, </img>) but the image tokenizer's codebook has " + codebook
                    + " codes: use a tokenizer and a language model of the same codebook size");
        }
    }

    /** The rows of a saved embedding or head matrix in the adapter, or -1 if it saves neither. */
    private static long savedVocabularyRows(OptModel base, LoraAdapter adapter) {
        for (String name : base.vocabularyMatrixKeys()) {
            String key = LoraAdapter.KEY_PREFIX + name;
            if (adapter.keys().contains(key)) {
                return adapter.get(key).getShape().get(0);
            }
        }
        return -1;
    }

    /**
     * Makes the embedding table as large as the vocabulary needs: the adapter's saved matrix if it has one
     * (it was trained after resizing), else at least the text tokenizer's size.
     */
    private static void fitVocabulary(OptModel model, int tokenizerSize, long adapterRows) {
        int current = model.config().vocabSize();
        if (adapterRows >= 0 && adapterRows < tokenizerSize) {
            throw new IllegalArgumentException("the adapter's embeddings have " + adapterRows
                    + " rows but the tokenizer with its image tokens needs " + tokenizerSize);
        }
        int target = adapterRows >= 0 ? Math.toIntExact(adapterRows) : Math.max(current, tokenizerSize);
        if (target != current) {
            if (adapterRows < 0) {
                LOG.warn("resizing the embeddings from {} to {} rows for the image tokens; without an adapter that"
                        + " saves embeddings, the new rows are untrained means", current, target);
            }
            model.resizeTokenEmbeddings(target);
        }
    }

    /**
     * @param image any image
     * @return a caption of it
     */
    public String caption(BufferedImage image) {
        int[] codes = images.tokenize(image);
        return complete(templates.captionIds(text, codes));
    }

    /**
     * Captions several images in batches: the images are tokenized together and their prompts go through
     * the language model as left-padded batches of up to {@value #MAX_CAPTION_BATCH} (greedy, like
     * {@link #caption(BufferedImage)}, which gives the same captions one at a time). All or nothing: see
     * {@link #captionEach(List)} for one result or error per image.
     *
     * @param images any images
     * @return one caption per image, in order
     * @throws IllegalArgumentException if the list is empty or holds null
     * @throws RuntimeException the first image's error, if an image cannot be captioned
     */
    public List<String> caption(List<BufferedImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no image to caption");
        }
        List<String> captions = new ArrayList<>(images.size());
        for (ItemResult<String> r : captionEach(images)) {
            captions.add(r.value());
        }
        return captions;
    }

    /**
     * Captions images one result per image, batched as {@link #caption(List)} does: an image that cannot be
     * tokenized (null, failing its preprocessing) gets its own failure, a language-model batch that fails fails
     * its images only, and every other image gets its caption.
     *
     * @param images any images
     * @return per image in list order: its caption, or why it has none
     */
    public List<ItemResult<String>> captionEach(List<BufferedImage> images) {
        return captionCodes(this.images.tokenizeEach(images));
    }

    /**
     * Reads and captions image files one result per file ({@link SeedTokenizer#tokenizeFiles}): a missing or
     * unreadable file gets its own failure naming it, every other file its caption.
     *
     * @param files image files
     * @return per file in list order: its caption, or why it has none
     */
    public List<ItemResult<String>> captionFiles(List<Path> files) {
        return captionCodes(images.tokenizeFiles(files));
    }

    /** Captions every tokenized item, the others keep their failure. */
    private List<ItemResult<String>> captionCodes(List<ItemResult<int[]>> codes) {
        List<ItemResult<String>> out = new ArrayList<>(codes.size());
        List<Integer> pending = new ArrayList<>(MAX_CAPTION_BATCH);
        List<long[]> prompts = new ArrayList<>(MAX_CAPTION_BATCH);
        for (int i = 0; i < codes.size(); i++) {
            out.add(null);
            ItemResult<long[]> prompt = codes.get(i).map(c -> templates.captionIds(text, c));
            if (!prompt.isSuccess()) {
                out.set(i, ItemResult.failure(prompt.error().orElseThrow()));
                continue;
            }
            pending.add(i);
            prompts.add(prompt.value());
            if (pending.size() == MAX_CAPTION_BATCH) {
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
                int[] row = tokens[k];
                out.set(indices.get(k), ItemResult.success(row).map(this::decodeCompletion));
            }
        } catch (RuntimeException e) {
            for (int index : indices) {
                out.set(index, ItemResult.failure(e));
            }
        }
    }

    /**
     * @param image any image
     * @param question a question about it
     * @return the model's answer
     */
    public String answer(BufferedImage image, String question) {
        Objects.requireNonNull(question, "question");
        int[] codes = images.tokenize(image);
        return complete(templates.answerIds(text, codes, question));
    }

    /**
     * @param prompt what the image should show
     * @return the image codes the model writes: exactly the tokenizer's number of codes per image, each in
     *     {@code [0, codebook size)}
     */
    public int[] generateImageCodes(String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        long[] ids = templates.imageGenerationIds(text, prompt);
        int perImage = images.config().numCodes();
        GenerationConfig config = GenerationConfig.builder()
                .maxNewTokens(perImage + 1)
                .imageConstraint(vocabulary, perImage)
                .build();
        int[] tokens = generator.generate(new long[][] {ids}, null, config, null).tokens()[0];
        return vocabulary.codes(Arrays.copyOf(tokens, perImage));
    }

    /**
     * Text to image conditioning: {@link #generateImageCodes} through the tokenizer's decoder.
     *
     * @param prompt what the image should show
     * @return the tokenizer's generation embeddings (v1 77 x 768 Stable Diffusion text conditioning,
     *     v2 1 x 1024 unCLIP image embedding)
     */
    public float[][] generateConditioning(String prompt) {
        return images.detokenize(generateImageCodes(prompt));
    }

    private String complete(long[] ids) {
        int[] tokens = generator.generate(new long[][] {ids}, null, completionConfig(ids.length), null).tokens()[0];
        return decodeCompletion(tokens);
    }

    /** Greedy text after a prompt of {@code promptLength} tokens, within the position table. */
    private GenerationConfig completionConfig(int promptLength) {
        int room = model.config().maxPositions() - promptLength;
        if (room <= 0) {
            throw new IllegalArgumentException("the prompt has " + promptLength + " tokens: no room left in the"
                    + " position table of max_position_embeddings = " + model.config().maxPositions());
        }
        return GenerationConfig.builder()
                .maxNewTokens(Math.min(templates.maxNewTokens(), room))
                .imageConstraint(vocabulary, images.config().numCodes())
                .build();
    }

    /** The generated tokens as text: the end-of-sequence token dropped, special tokens skipped. */
    private String decodeCompletion(int[] tokens) {
        long[] out = Arrays.stream(tokens).filter(t -> t != model.config().eosTokenId()).asLongStream().toArray();
        return text.decode(out, true).trim();
    }

    /** @return the language model (with the adapter applied, if any) */
    public OptModel model() {
        return model;
    }

    /** @return the text tokenizer */
    public TextTokenizer textTokenizer() {
        return text;
    }

    /** @return the image tokens' ids */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** @return the prompt templates in use */
    public PromptTemplates templates() {
        return templates;
    }

    @Override
    public void close() {
        base.close(); // also closes the adapted model derived from it
        text.close();
    }
}
