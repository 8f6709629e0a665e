package dev.seedj.multimodal;

import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.llama.LlamaConfig;
import dev.seedj.llm.llama.LlamaLoadOptions;
import dev.seedj.llm.llama.LlamaModel;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.tokenizer.SeedTokenizer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * SEED-LLaMA: a LLaMA model (Hugging Face {@code LlamaForCausalLM}) whose vocabulary holds SEED's image tokens,
 * paired with the SEED-2 tokenizer; the LLaMA family's {@link SeedMultimodalModel}. The released models are
 * SEED-LLaMA 8B (Vicuna-7B based) and 14B (LLaMA2-chat-13B based), with their prompt formats
 * ({@link SeedLlamaFormat}) from SEED's {@code scripts/seed_llama_inference_{8B,14B}.py}.
 *
 * <p>The directory holds {@code config.json}, the weights ({@code pytorch_model-0000k-of-0000n.bin} shards with
 * their index, or safetensors) and the slow LLaMA tokenizer's files: {@code tokenizer.model},
 * {@code added_tokens.json} (with {@code <img_00000>}..., {@code <img>}, {@code </img>}),
 * {@code special_tokens_map.json}, {@code tokenizer_config.json}. The ids of the image tokens come from those
 * files: image-token id = id of {@code <img_00000>} + code (32000 + code in the released vocabulary).
 *
 * <p>Prompts are {@code tokenizer.bos_token + template} as in SEED's scripts, the image put in by id, questions
 * and prompts as plain text (so an {@code <img_01234>} a user writes stays text). Where SEED's scripts sample
 * ({@code do_sample, top_p 0.5, temperature 1.0, max_new_tokens 512}), captions and answers here are greedy
 * within the same 512 new tokens (reproducible); a generated text ends before an {@code <img>} the model starts
 * in it, as SEED's {@code decode_image_text} keeps the text before the image. Image generation appends
 * {@code <img>} to the prompt (SEED's model writes it itself after {@code ASSISTANT:}) and decodes exactly one
 * image's codes under the image constraint; {@link #generateConditioning} gives SEED-2's 1 x D unCLIP image
 * embedding of them.
 *
 * <pre>{@code
 * try (SeedTokenizer images = SeedTokenizer.load(Path.of("models/seed-tokenizer-v2"));
 *         SeedLlama seed = SeedLlama.load(Path.of("models/seed-llama-8b-sft"), images)) {
 *     String answer = seed.answer(ImageIO.read(new File("cat.jpg")), "What is this animal?");
 *     int[] codes = seed.generateImageCodes("Can you generate an image of a dog on the green grass?");
 * }
 * }</pre>
 *
 * <p>Thread-safe: the model, the tokenizers and the generator may serve concurrent calls. {@link #close()}
 * frees the language model and the text tokenizer, not the image tokenizer (the caller owns it), and must not
 * race with calls.
 */
public final class SeedLlama extends PromptedModel {
    /** The loaded weights; closing it also closes an adapted model derived from it. */
    private final LlamaModel base;
    /** What generates: {@code base}, or {@code base} with the adapter applied. */
    private final LlamaModel model;
    private final TextTokenizer text;
    private final PromptTemplates templates;

    /** @param model {@code base}, or {@code base} with a LoRA adapter applied ({@link LlamaModel#withAdapter}) */
    private SeedLlama(LlamaModel base, LlamaModel model, TextTokenizer text, SeedTokenizer images,
            PromptTemplates templates) {
        super(new PromptedGeneration(model, text, images, templates, true));
        this.base = base;
        this.model = model;
        this.text = text;
        this.templates = templates;
    }

    /**
     * Loads SEED-LLaMA in float32 with the prompt format of {@link #templates(Path)}.
     *
     * @param llmDir the SEED-LLaMA directory (config, weights, tokenizer files)
     * @param imageTokenizer the SEED tokenizer whose codes the model reads and writes (not closed by this object)
     * @return the model
     * @throws IllegalArgumentException if the vocabulary holds no image tokens or another number of them than
     *     the image tokenizer's codebook size (naming both), or for a malformed config or tokenizer file
     * @throws dev.seedj.llm.llama.ModelDoesNotFitException if the weights cannot fit in memory (nothing is read)
     */
    public static SeedLlama load(Path llmDir, SeedTokenizer imageTokenizer) {
        return load(llmDir, imageTokenizer, templates(llmDir), LlamaLoadOptions.defaults());
    }

    /**
     * Loads SEED-LLaMA: checks the tokenizer files against the image tokenizer and the config before any weight
     * is read.
     *
     * @param llmDir the SEED-LLaMA directory (config, weights, tokenizer files)
     * @param imageTokenizer the SEED tokenizer whose codes the model reads and writes (not closed by this object)
     * @param templates the prompt formats, e.g. {@link SeedLlamaFormat#templates()}
     * @param options device, compute dtype and memory limit of the weights
     * @return the model
     * @throws IllegalArgumentException if the vocabulary holds no image tokens or another number of them than
     *     the image tokenizer's codebook size (naming both), or for a malformed config or tokenizer file
     * @throws dev.seedj.llm.llama.ModelDoesNotFitException if the weights cannot fit in memory (nothing is read)
     */
    public static SeedLlama load(Path llmDir, SeedTokenizer imageTokenizer, PromptTemplates templates,
            LlamaLoadOptions options) {
        return load(llmDir, null, imageTokenizer, templates, options);
    }

    /**
     * Loads SEED-LLaMA with a PEFT LoRA adapter applied (unmerged, on the seven projections it targets); the
     * adapter is checked against the model before anything is applied (an adapter made for another model is
     * refused, naming the module or tensor).
     *
     * @param llmDir the SEED-LLaMA directory (config, weights, tokenizer files)
     * @param adapterDirOrNull a PEFT LoRA adapter directory, or null
     * @param imageTokenizer the SEED tokenizer whose codes the model reads and writes (not closed by this object)
     * @param templates the prompt formats, e.g. {@link SeedLlamaFormat#templates()}
     * @param options device, compute dtype and memory limit of the weights (an adapter needs float32)
     * @return the model
     * @throws IllegalArgumentException if the vocabulary holds no image tokens or another number of them than
     *     the image tokenizer's codebook size (naming both), for a malformed config or tokenizer file, or for an
     *     adapter made for another model
     * @throws dev.seedj.llm.llama.ModelDoesNotFitException if the weights cannot fit in memory (nothing is read)
     */
    public static SeedLlama load(Path llmDir, Path adapterDirOrNull, SeedTokenizer imageTokenizer,
            PromptTemplates templates, LlamaLoadOptions options) {
        Objects.requireNonNull(imageTokenizer, "imageTokenizer");
        Objects.requireNonNull(templates, "templates");
        LlamaConfig config = LlamaConfig.load(llmDir.resolve("config.json"));
        int codebook = imageTokenizer.config().codebook().size();
        TextTokenizer text = TextTokenizer.load(llmDir, codebook);
        LlamaModel base = null;
        try {
            checkCodebook(llmDir, config.vocabSize(), text, codebook);
            base = LlamaModel.load(llmDir, options);
            if (adapterDirOrNull == null) {
                return new SeedLlama(base, base, text, imageTokenizer, templates);
            }
            try (LoraAdapter adapter = LoraAdapter.load(adapterDirOrNull)) {
                return new SeedLlama(base, base.withAdapter(adapter), text, imageTokenizer, templates);
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
     * The prompt formats of a SEED-LLaMA directory: its {@value PromptTemplates#FILE_NAME} if it has one, over
     * the format {@link SeedLlamaFormat#detect} reads from its {@code config.json}.
     *
     * @param llmDir the SEED-LLaMA directory
     * @return the templates
     * @throws IllegalArgumentException for a malformed config or templates file
     */
    public static PromptTemplates templates(Path llmDir) {
        LlamaConfig config = LlamaConfig.load(llmDir.resolve("config.json"));
        return PromptTemplates.load(llmDir, SeedLlamaFormat.detect(config).templates());
    }

    /**
     * Refuses a language model trained for another codebook size than the image tokenizer's. The model's image
     * tokens are the {@code <img_XXXXX>} of its tokenizer files whose ids are rows of its embedding table (the
     * text tokenizer gives the ones its files lack ids beyond the largest, i.e. beyond the table).
     */
    private static void checkCodebook(Path llmDir, int vocabSize, TextTokenizer text, int codebook) {
        Vocabulary images = text.imageVocabulary();
        int known = 0;
        for (int code = 0; code < codebook; code++) {
            if (images.tokenId(code) < vocabSize) {
                known++;
            }
        }
        for (int code = codebook; ; code++) { // codes beyond the image tokenizer's codebook
            int id = text.tokenId(Vocabulary.imageToken(code));
            if (id < 0 || id >= vocabSize) {
                break;
            }
            known++;
        }
        if (known == 0) {
            throw new IllegalArgumentException("the language model in " + llmDir + " has no image tokens (no <img_XXXXX>"
                    + " among its " + vocabSize + " vocabulary ids): it is not a SEED-LLaMA model");
        }
        if (known != codebook) {
            throw new IllegalArgumentException("the language model in " + llmDir + " reads and writes " + known
                    + " image codes (<img_XXXXX> tokens in its " + vocabSize + "-token vocabulary) but the image"
                    + " tokenizer's codebook has " + codebook + " codes: use a tokenizer and a language model of the"
                    + " same codebook size");
        }
        if (images.boiId() >= vocabSize || images.eoiId() >= vocabSize || text.size() > vocabSize) {
            throw new IllegalArgumentException("the tokenizer files in " + llmDir + " define " + text.size()
                    + " ids (<img> = " + images.boiId() + ", </img> = " + images.eoiId() + ") but config.json has"
                    + " vocab_size " + vocabSize);
        }
    }

    /** @return the language model that generates (with the adapter applied, if one was loaded) */
    public LlamaModel model() {
        return model;
    }

    @Override
    public TextTokenizer textTokenizer() {
        return text;
    }

    @Override
    public Vocabulary vocabulary() {
        return text.imageVocabulary();
    }

    @Override
    public PromptTemplates templates() {
        return templates;
    }

    @Override
    public void close() {
        try {
            base.close();
        } finally {
            text.close();
        }
    }
}
