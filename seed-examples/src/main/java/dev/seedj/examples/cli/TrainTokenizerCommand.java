package dev.seedj.examples.cli;

import dev.seedj.core.train.BertWordPieceTokenizer;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLog;
import dev.seedj.tokenizer.train.FileGenerationTargets;
import dev.seedj.tokenizer.train.Stage1Options;
import dev.seedj.tokenizer.train.Stage2Options;
import dev.seedj.tokenizer.train.TokenizerTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code seed train-tokenizer}: trains a SEED tokenizer with {@link TokenizerTraining}: stage 1 (causal
 * Q-Former, image-text contrastive) or stage 2 (codebook and decoders on the frozen stage-1 model). The run
 * writes checkpoints, logs, a loss plot and finally a model directory into the config's {@code output_dir} (or
 * {@code --output-dir}), and resumes from the newest checkpoint there. Stage 1 takes the starting model's own
 * sizes ({@link Stage1Options#forModel}), so a stage-1 output such as {@code models/seed-mini/stage1} trains on.
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "train-tokenizer", mixinStandardHelpOptions = true,
        description = {"Trains a SEED tokenizer: --stage 1 (causal Q-Former, contrastive) or --stage 2 (codebook "
                + "and decoders). Output (checkpoints, train_log, loss.png, model.safetensors + "
                + "seed-tokenizer.json) goes to the config's output_dir (or --output-dir); a rerun resumes from its last "
                + "checkpoint."})
public final class TrainTokenizerCommand implements Callable<Integer> {
    /** The stage-1 text tokenizer a model directory may carry (SEED-mini's {@code stage1/} does). */
    static final String MODEL_VOCABULARY = "vocab.txt";

    @Spec
    CommandSpec spec;

    @Option(names = "--stage", required = true, paramLabel = "1|2", description = "training stage")
    int stage;

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "training settings (JSON: learning_rate, total_steps, batch_size, output_dir, ...)")
    Path config;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "starting model directory (seed-tokenizer.json + weights; stage 2: a stage-1 output), "
                    + "e.g. models/seed-mini/stage1; its own sizes are used")
    Path model;

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "where the run writes (default: the config's output_dir)")
    Path outputDir;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "image-text pairs: a JSONL file of {\"image\", \"caption\"} (or a folder holding one), "
                    + "or a folder of .tar shards")
    Path data;

    @Option(names = "--text-tokenizer", paramLabel = "FILE",
            description = "stage 1: the Q-Former's BERT tokenizer (tokenizer.json or a lower-cased vocab.txt); "
                    + "default: the model directory's vocab.txt")
    Path textTokenizer;

    @Option(names = "--train-vision-encoder", description = "stage 1: train the vision encoder too (SEED-mini)")
    boolean trainVisionEncoder;

    @Option(names = "--label-smoothing", paramLabel = "X",
            description = "stage 1: label smoothing of the contrastive loss (default 0.1, the reference; SEED-mini: 0)")
    Double labelSmoothing;

    @Option(names = "--clamp-temperature",
            description = "stage 1: clamp the contrastive temperature to [0.001, 0.5] (BLIP; SEED-mini)")
    boolean clampTemperature;

    @Option(names = "--targets", split = ",", paramLabel = "FILE",
            description = "stage 2: the generation targets (<key>.image_embeds per example), comma-separated files")
    List<Path> targets;

    @Override
    public Integer call() {
        requireExisting(config, "config file");
        requireExisting(model.resolve("seed-tokenizer.json"), "model config");
        requireExisting(data, "dataset");
        TrainingConfig loaded = TrainingConfig.load(config);
        TrainingConfig settings = outputDir == null ? loaded : loaded.toBuilder().outputDir(outputDir).build();
        TrainingLog log = switch (stage) {
            case 1 -> stage1(settings);
            case 2 -> stage2(settings);
            default -> throw new CliException("--stage must be 1 or 2, got " + stage);
        };
        spec.commandLine().getOut().println(settings.outputDir() + "\t" + log.records().size() + " steps");
        return 0;
    }

    private TrainingLog stage1(TrainingConfig settings) {
        if (textTokenizer == null && Files.isRegularFile(model.resolve(MODEL_VOCABULARY))) {
            textTokenizer = model.resolve(MODEL_VOCABULARY);
        }
        if (textTokenizer == null) {
            throw new CliException("stage 1 needs --text-tokenizer (the Q-Former's BERT tokenizer): " + model
                    + " has no " + MODEL_VOCABULARY);
        }
        requireExisting(textTokenizer, "text tokenizer");
        int vocabSize;
        try (BertWordPieceTokenizer tokenizer = textTokenizer.getFileName().toString().endsWith(".json")
                ? BertWordPieceTokenizer.fromTokenizerJson(textTokenizer)
                : BertWordPieceTokenizer.fromVocab(textTokenizer, true, List.of("[DEC]"))) {
            vocabSize = tokenizer.vocabSize(); // the word-embedding rows, [DEC] included
        }
        Stage1Options options;
        try {
            Stage1Options own = Stage1Options.forModel(model, vocabSize);
            options = new Stage1Options(own.vocabSize(), own.maxPositions(), own.embedDim(), own.maxTextLength(),
                    labelSmoothing != null ? labelSmoothing : own.labelSmoothing(), trainVisionEncoder,
                    clampTemperature);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
        return TokenizerTraining.stage1(settings, model, data, textTokenizer, options);
    }

    private TrainingLog stage2(TrainingConfig settings) {
        if (targets == null || targets.isEmpty()) {
            throw new CliException("stage 2 needs --targets (files of <key>.image_embeds)");
        }
        targets.forEach(file -> requireExisting(file, "targets file"));
        try (FileGenerationTargets files = FileGenerationTargets.open(targets.toArray(Path[]::new))) {
            return TokenizerTraining.stage2(settings, model, data, files, Stage2Options.imageHeadOnly());
        }
    }

    private static void requireExisting(Path path, String what) {
        if (!Files.exists(path)) {
            throw new CliException(what + " " + path + " does not exist");
        }
    }
}
