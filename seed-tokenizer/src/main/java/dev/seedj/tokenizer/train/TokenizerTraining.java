package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.train.BertWordPieceTokenizer;
import dev.seedj.core.train.ImageTextDataset;
import dev.seedj.core.train.JsonlImageTextDataset;
import dev.seedj.core.train.TarImageTextDataset;
import dev.seedj.core.train.TrainableParameter;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLog;
import dev.seedj.core.train.TrainingLoop;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.TokenizerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry points for training SEED's visual tokenizer (for the command-line tool and for programs):
 * <ul>
 *   <li>{@link #stage1}: the causal Q-Former with the image-text contrastive loss
 *       ({@code blip2_qformer_casual.py});</li>
 *   <li>{@link #stage2}: codebook, decoders and generation heads on top of the frozen stage-1 model
 *       ({@code blip2_qformer_codebook_all_image.py}).</li>
 * </ul>
 * Both read a model directory holding a {@code seed-tokenizer.json} (see {@link TokenizerConfig}) whose
 * {@code weights} list the starting weights (later files override earlier ones), and an image-text dataset: a JSONL
 * file (or a folder holding one) of {@code {"image": ..., "caption": ...}} lines, or a folder of webdataset
 * {@code .tar} shards. Frozen weights must be present; trainable weights missing from the files are initialised as
 * the reference does for new layers (normal 0.02, LayerNorms 1/0, {@code temp} 0.07). A run resumes automatically
 * from the newest checkpoint in {@code output_dir/checkpoints}.
 *
 * <p>The output folder receives what {@link TrainingLoop} writes (checkpoints of the trainable parameters and the
 * optimizer every {@code checkpoint_every} steps, {@code train_log.jsonl/.csv}, {@code loss.png}) and, at the end,
 * {@code model.safetensors} with every parameter of the trained network plus a {@code seed-tokenizer.json} naming
 * it, so that a stage-2 output is directly a tokenizer model directory and a stage-1 output the start of stage 2.
 *
 * <p>Stateless and thread-safe; each call trains on its calling thread.
 */
public final class TokenizerTraining {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerTraining.class);
    /** The weights file written at the end of a run. */
    public static final String MODEL_FILE = "model.safetensors";

    private TokenizerTraining() {}

    /**
     * Trains stage 1.
     *
     * @param config the run's settings (output folder, steps, learning rate ...)
     * @param modelDir a folder with {@code seed-tokenizer.json}; its weights must hold at least the vision encoder
     * @param dataset a JSONL file, a folder holding one, or a folder of {@code .tar} shards
     * @param textTokenizer a BERT {@code tokenizer.json} or {@code vocab.txt} (lower-cased)
     * @param options the text branch sizes
     * @return the log of the run
     */
    public static TrainingLog stage1(TrainingConfig config, Path modelDir, Path dataset, Path textTokenizer,
            Stage1Options options) {
        TokenizerConfig tokenizerConfig = TokenizerConfig.read(modelDir.resolve(TokenizerConfig.FILE_NAME));
        try (NDManager manager = NDManager.newBaseManager();
                BertWordPieceTokenizer tokenizer = openTokenizer(textTokenizer);
                ImageTextDataset data = openDataset(dataset)) {
            Stage1Network network = new Stage1Network(tokenizerConfig, options);
            load(network, modelDir, tokenizerConfig, network.trainableParameters().keySet(), manager);
            Stage1Step step = new Stage1Step(network, tokenizer);
            return train(config, network, network.trainableParameters(), data, tokenizerConfig, step::compute);
        }
    }

    /**
     * Trains stage 2.
     *
     * @param config the run's settings
     * @param modelDir a folder with {@code seed-tokenizer.json} (a v2-style config: its decoder section sizes the
     *     image head and the blocks); its weights must hold the vision encoder, {@code ln_vision},
     *     {@code query_tokens} and {@code Qformer.bert} (e.g. a stage-1 {@value #MODEL_FILE})
     * @param dataset a JSONL file, a folder holding one, or a folder of {@code .tar} shards
     * @param targets the generation heads' targets, by example key
     * @param options heads and loss weights
     * @return the log of the run
     */
    public static TrainingLog stage2(TrainingConfig config, Path modelDir, Path dataset, GenerationTargets targets,
            Stage2Options options) {
        TokenizerConfig tokenizerConfig = TokenizerConfig.read(modelDir.resolve(TokenizerConfig.FILE_NAME));
        try (NDManager manager = NDManager.newBaseManager(); ImageTextDataset data = openDataset(dataset)) {
            Stage2Network network = new Stage2Network(tokenizerConfig, options);
            load(network, modelDir, tokenizerConfig, network.trainableParameters().keySet(), manager);
            Stage2Step step = new Stage2Step(network, targets);
            return train(config, network, network.trainableParameters(), data, tokenizerConfig, step::compute);
        }
    }

    private static TrainingLog train(TrainingConfig config, SeedBlock network, Map<String, Parameter> trainable,
            ImageTextDataset data, TokenizerConfig tokenizerConfig,
            dev.seedj.core.train.TrainingStep<TokenizerBatch> step) {
        ImageTextBatches batches = new ImageTextBatches(data, tokenizerConfig, config.batchSize(), config.seed());
        try (TrainingLoop<TokenizerBatch> loop = TrainingLoop.<TokenizerBatch>builder(config)
                .parameters(TrainableParameter.lavisGroups(trainable))
                .data(batches)
                .step(step)
                .build()) {
            loop.resumeLatest();
            TrainingLog log = loop.run();
            export(network, tokenizerConfig, config.outputDir());
            return log;
        }
    }

    /**
     * Fills a training network from the config's weight files; names in {@code initialisable} that no file has are
     * initialised, every other parameter must be found.
     *
     * @param network the network
     * @param modelDir the folder the config's file names are relative to
     * @param config lists the files and their key prefixes
     * @param initialisable parameters that may start from the reference initialisation
     * @param manager owns the arrays
     * @throws CheckpointException naming the missing weights
     */
    public static void load(SeedBlock network, Path modelDir, TokenizerConfig config, Set<String> initialisable,
            NDManager manager) {
        for (TokenizerConfig.WeightFile file : config.weights()) {
            Path path = modelDir.resolve(file.file());
            try (StateDict raw = StateDict.open(path)) {
                StateDict weights = file.prefix().isEmpty() ? raw : raw.withPrefix(file.prefix());
                StateDictLoader.load(network, weights, manager, name -> true);
            }
        }
        List<String> missing = new ArrayList<>();
        List<String> initialised = new ArrayList<>();
        network.namedParameters().forEach((name, p) -> {
            if (!p.isInitialized()) {
                (initialisable.contains(name) ? initialised : missing).add(name);
            }
        });
        if (!missing.isEmpty()) {
            throw new CheckpointException("the weights listed in " + modelDir.resolve(TokenizerConfig.FILE_NAME)
                    + " lack " + missing.size() + " frozen parameter(s): "
                    + String.join(", ", missing.subList(0, Math.min(20, missing.size()))));
        }
        if (!initialised.isEmpty()) {
            LOG.info("initialising {} trainable parameter(s) not in the weight files, e.g. {}", initialised.size(),
                    initialised.get(0));
            network.initializeParameters(manager);
        }
    }

    /**
     * Writes every parameter of {@code network} to {@code dir/model.safetensors} and a {@code seed-tokenizer.json}
     * naming that file.
     *
     * @param network the trained network
     * @param config its tokenizer config (the weights entry is replaced)
     * @param dir the output folder
     * @return the weights file
     */
    public static Path export(SeedBlock network, TokenizerConfig config, Path dir) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        network.namedParameters().forEach((name, p) -> tensors.put(name, p.getArray()));
        Path file = dir.resolve(MODEL_FILE);
        new SafetensorsWriter().withMetadata(Map.of("format", "pt")).write(file, tensors);
        TokenizerConfig exported = new TokenizerConfig(config.version(), config.imageSize(), config.resize(),
                config.imageMean(), config.imageStd(), config.vision(), config.qformer(), config.codebook(),
                config.decoder(), List.of(new TokenizerConfig.WeightFile(MODEL_FILE, "")));
        try {
            Files.writeString(dir.resolve(TokenizerConfig.FILE_NAME), exported.toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(TokenizerConfig.FILE_NAME), e);
        }
        LOG.info("wrote {} ({} tensors)", file, tensors.size());
        return file;
    }

    /**
     * @param path a JSONL file, a folder holding one, or a folder of {@code .tar} shards
     * @return the dataset
     */
    public static ImageTextDataset openDataset(Path path) {
        if (Files.isDirectory(path)) {
            List<Path> shards;
            try (Stream<Path> files = Files.list(path)) {
                shards = files.filter(f -> f.getFileName().toString().endsWith(".tar")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list dataset folder " + path, e);
            }
            if (!shards.isEmpty()) {
                return TarImageTextDataset.open(shards);
            }
        } else if (path.getFileName().toString().endsWith(".tar")) {
            return TarImageTextDataset.open(List.of(path));
        }
        return JsonlImageTextDataset.open(path);
    }

    private static BertWordPieceTokenizer openTokenizer(Path file) {
        return file.getFileName().toString().endsWith(".json")
                ? BertWordPieceTokenizer.fromTokenizerJson(file)
                : BertWordPieceTokenizer.fromVocab(file, true, List.of("[DEC]"));
    }
}
