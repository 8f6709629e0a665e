package dev.seedj.examples.cli;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code seed caption}: describes images with SEED-OPT or SEED-LLaMA (each image becomes {@code <img>} + its codes +
 * {@code </img>} in the prompt). The readable images are captioned as one batch; an unreadable one gets its
 * own error line and the exit status is 1 at the end.
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
        List<Path> readable = new ArrayList<>();
        List<BufferedImage> pictures = new ArrayList<>();
        String[] problems = new String[images.size()];
        for (int i = 0; i < images.size(); i++) {
            try {
                pictures.add(ImageInputs.read(images.get(i)));
                readable.add(images.get(i));
            } catch (CliException e) {
                problems[i] = e.getMessage();
            }
        }
        List<String> captions = List.of();
        if (!pictures.isEmpty()) {
            try (MultimodalModels opened = MultimodalModels.open(models)) {
                captions = opened.model().caption(pictures);
            }
        }
        int failures = 0;
        for (int i = 0, next = 0; i < images.size(); i++) {
            if (problems[i] != null) {
                failures++;
                err.println(spec.qualifiedName() + ": " + problems[i]);
            } else {
                String caption = captions.get(next++);
                out.println(images.size() == 1 ? caption : readable.get(next - 1) + "\t" + caption);
            }
        }
        return failures == 0 ? 0 : SeedCli.EXIT_FAILURE;
    }
}
