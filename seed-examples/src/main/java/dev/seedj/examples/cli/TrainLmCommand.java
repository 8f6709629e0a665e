package dev.seedj.examples.cli;

import dev.seedj.llm.train.LoraTraining;
import dev.seedj.llm.train.LoraTrainingSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code seed train-lm}: tunes SEED-OPT or SEED-LLaMA with a LoRA adapter ({@link LoraTraining}) on a JSONL set of
 * causal-LM examples, and saves the adapter in PEFT's layout. {@code --llm} and {@code --output-dir} override the
 * spec's model (with its tokenizer) and output folder.
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "train-lm", mixinStandardHelpOptions = true,
        description = {"Tunes SEED-OPT or SEED-LLaMA (the model folder decides) with LoRA and saves a PEFT adapter"
                + " (docs/training.md).",
            "Spec: JSON with model, lora (r, lora_alpha, target_modules, ...), training (learning_rate, "
                + "total_steps, batch_size, output_dir, ...). Data: JSONL lines {\"prompt\", \"target\"} (images "
                + "written as <img><img_00012>...</img>), {\"prompt_ids\", \"target_ids\"} or {\"input_ids\", \"labels\"}."})
public final class TrainLmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "the LoRA training spec (JSON)")
    Path config;

    @Option(names = "--data", paramLabel = "FILE", required = true, description = "the training examples (JSONL)")
    Path data;

    @Option(names = "--out", paramLabel = "DIR",
            description = "where the adapter goes (default: <output_dir>/adapter)")
    Path out;

    @Option(names = "--llm", paramLabel = "DIR",
            description = "the base model and its text tokenizer, e.g. models/seed-mini/llm (default: the spec's "
                    + "model and tokenizer)")
    Path llm;

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "where checkpoints, logs and the loss plot go (default: the spec's training.output_dir)")
    Path outputDir;

    @Override
    public Integer call() {
        for (Path input : new Path[] {config, data}) {
            if (!Files.isRegularFile(input)) {
                throw new CliException((input == config ? "spec file " : "data file ") + input + " does not exist");
            }
        }
        if (llm != null) {
            DefaultModels.existing(llm);
        }
        Path adapter;
        try {
            LoraTrainingSpec loaded = LoraTrainingSpec.load(config);
            LoraTrainingSpec run = new LoraTrainingSpec(llm != null ? llm : loaded.model(),
                    llm != null ? llm : loaded.tokenizer(), loaded.adapter(), loaded.lora(), loaded.vocabSize(),
                    loaded.initSeed(), outputDir == null ? loaded.training()
                            : loaded.training().toBuilder().outputDir(outputDir).build());
            adapter = LoraTraining.train(run, data, out);
        } catch (IllegalArgumentException e) { // a bad spec, dataset or adapter, named by the message
            throw new CliException(e.getMessage(), e);
        }
        spec.commandLine().getOut().println(adapter);
        return 0;
    }
}
