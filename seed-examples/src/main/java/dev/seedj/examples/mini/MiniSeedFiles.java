package dev.seedj.examples.mini;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.train.BertWordPieceTokenizer;
import dev.seedj.core.weights.SafetensorsFile;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.tokenizer.TokenizerConfig;
import dev.seedj.tokenizer.model.VisualTokenizerModel;
import dev.seedj.tokenizer.train.Stage1Options;
import dev.seedj.tokenizer.train.TokenizerTraining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The small files and derived settings SEED-mini's folders share: the stage-1 text tokenizer and options, the
 * language model's tokenizer and prompt templates, the tokenizer's preprocessing.
 *
 * <p>Stateless and thread-safe.
 */
public final class MiniSeedFiles {
    /** Longest caption of the stage-1 text branch, in WordPiece tokens with [CLS] and [SEP]. */
    public static final int MAX_TEXT_LENGTH = 12;

    private MiniSeedFiles() {}

    /**
     * @param stage1Dir a stage-1 folder holding {@code vocab.txt}
     * @return the text branch's tokenizer (with SEED's extra {@code [DEC]} token)
     */
    public static BertWordPieceTokenizer stage1TextTokenizer(Path stage1Dir) {
        return BertWordPieceTokenizer.fromVocab(stage1Dir.resolve("vocab.txt"), true, List.of("[DEC]"));
    }

    /**
     * @param text the text branch's tokenizer
     * @return SEED-mini's stage-1 options: trainable vision encoder, clamped temperature, 64-d projections, no label
     *     smoothing (batches hold distinct captions, so the diagonal targets are exact)
     */
    public static Stage1Options stage1Options(BertWordPieceTokenizer text) {
        return new Stage1Options(text.vocabSize(), 16, 64, MAX_TEXT_LENGTH, 0.0, true, true);
    }

    /**
     * @param config the tokenizer config
     * @return its preprocessing
     */
    public static ImagePreprocessor preprocessor(TokenizerConfig config) {
        double[] mean = new double[3];
        double[] std = new double[3];
        for (int i = 0; i < 3; i++) {
            mean[i] = config.imageMean()[i];
            std[i] = config.imageStd()[i];
        }
        return new ImagePreprocessor(config.imageSize(), config.resize(), mean, std);
    }

    /** @return the prompt templates SEED-mini's language model is trained with */
    public static PromptTemplates templates() {
        return new PromptTemplates("{image}", "{image}Question: {question}\nAnswer:", "{prompt}<img>", 16);
    }

    /**
     * Writes the language model's tokenizer ({@code vocab.json}, {@code merges.txt}) and
     * {@value PromptTemplates#FILE_NAME}.
     *
     * @param llmDir the language model's folder
     * @throws IOException if a file cannot be written
     */
    public static void writeLanguageModelFiles(Path llmDir) throws IOException {
        MiniWorldText.writeByteLevelBpe(llmDir);
        PromptTemplates t = templates();
        com.google.gson.JsonObject json = new com.google.gson.JsonObject();
        json.addProperty("caption", t.caption());
        json.addProperty("answer", t.answer());
        json.addProperty("image_generation", t.imageGeneration());
        json.addProperty("max_new_tokens", t.maxNewTokens());
        Files.writeString(llmDir.resolve(PromptTemplates.FILE_NAME),
                new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n",
                StandardCharsets.UTF_8);
    }

    /**
     * Exports a trained stage-2 network as the bundle's tokenizer folder: {@link TokenizerTraining#export}, then
     * {@link #keepTokenizerWeights}, so that the shipped weights are exactly the ones {@code SeedTokenizer} loads.
     *
     * @param network the trained stage-2 network
     * @param config its tokenizer config
     * @param dir the tokenizer folder
     */
    public static void exportTokenizer(SeedBlock network, TokenizerConfig config, Path dir) {
        TokenizerTraining.export(network, config, dir);
        keepTokenizerWeights(dir);
    }

    /**
     * Rewrites a tokenizer folder's {@value TokenizerTraining#MODEL_FILE} without the tensors the tokenizer does not
     * load (stage 2's reconstruction branch, {@code pos_embed} and {@code blocks.*}, which only its training uses);
     * the kept tensors are copied bit for bit. A file with no such tensors is left as it is.
     *
     * @param dir a tokenizer folder written by {@link TokenizerTraining#export}
     * @return how many tensors were dropped
     */
    public static int keepTokenizerWeights(Path dir) {
        TokenizerConfig config = TokenizerConfig.read(dir.resolve(TokenizerConfig.FILE_NAME));
        Set<String> used = new VisualTokenizerModel(config).namedParameters().keySet();
        Path file = dir.resolve(TokenizerTraining.MODEL_FILE);
        Path tmp = dir.resolve(TokenizerTraining.MODEL_FILE + ".tmp");
        int dropped;
        try (SafetensorsFile weights = SafetensorsFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> kept = new LinkedHashMap<>();
            for (String key : weights.keys()) {
                if (used.contains(key)) {
                    kept.put(key, weights.get(key, manager));
                }
            }
            dropped = weights.keys().size() - kept.size();
            if (dropped == 0) {
                return 0;
            }
            new SafetensorsWriter().withMetadata(Map.of("format", "pt")).write(tmp, kept);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace " + file, e);
        }
        return dropped;
    }
}
