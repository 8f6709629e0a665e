package dev.seedj.multimodal;

import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.tokenizer.SeedTokenizer;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SEED-OPT: one OPT model that reads images as SEED tokens (captions, answers to questions) and writes them
 * (text to image codes, which the SEED tokenizer's decoder turns into Stable Diffusion conditioning); the OPT
 * family's {@link SeedMultimodalModel}.
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
public final class SeedOpt extends PromptedModel {
    private static final Logger LOG = LoggerFactory.getLogger(SeedOpt.class);
    /** Rows an OPT embedding table may have beyond its text vocabulary without image tokens (padding to 8). */
    private static final int VOCABULARY_PADDING = 8;

    private final OptModel base;
    private final OptModel model;
    private final TextTokenizer text;
    private final Vocabulary vocabulary;
    private final PromptTemplates templates;

    private SeedOpt(OptModel base, OptModel model, TextTokenizer text, SeedTokenizer images, PromptTemplates templates) {
        super(new PromptedGeneration(model, text, images, templates, false));
        this.base = base;
        this.model = model;
        this.text = text;
        this.vocabulary = text.imageVocabulary();
        this.templates = templates;
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

    /** @return the language model (with the adapter applied, if any) */
    public OptModel model() {
        return model;
    }

    @Override
    public TextTokenizer textTokenizer() {
        return text;
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    @Override
    public PromptTemplates templates() {
        return templates;
    }

    @Override
    public void close() {
        base.close(); // also closes the adapted model derived from it
        text.close();
    }
}
