package dev.seedj.examples.cli;

import dev.seedj.core.batch.ItemResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code seed caption}: describes images with SEED-OPT or SEED-LLaMA (each image becomes {@code <img>} + its codes +
 * {@code </img>} in the prompt) with {@link dev.seedj.multimodal.SeedMultimodalModel#captionFiles}: the readable
 * images are captioned in batches; an unreadable one gets its own error line and the exit status is 1 at the end.
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "caption", mixinStandardHelpOptions = true,
        description = {"Describes images with SEED-OPT or SEED-LLaMA (image tokenizer + language model, --llm).",
            "One image: its caption. Several: one line per image, the file name, a tab, its caption."})
public final class CaptionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions models;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "the image files")
    List<Path> images;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ItemResult<String>> captions;
        try (MultimodalModels opened = MultimodalModels.open(models)) {
            captions = opened.model().captionFiles(images);
        }
        int failures = 0;
        for (int i = 0; i < images.size(); i++) {
            ItemResult<String> caption = captions.get(i);
            if (!caption.isSuccess()) {
                failures++;
                err.println(spec.qualifiedName() + ": " + caption.errorMessage());
            } else {
                out.println(images.size() == 1 ? caption.value() : images.get(i) + "\t" + caption.value());
            }
        }
        return failures == 0 ? 0 : SeedCli.EXIT_FAILURE;
    }
}
