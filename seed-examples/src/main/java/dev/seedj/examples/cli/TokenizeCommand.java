package dev.seedj.examples.cli;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.seedj.core.batch.ItemResult;
import dev.seedj.tokenizer.SeedTokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code seed tokenize}: images (or folders of images) to SEED codes, one line per image with its file
 * name, as text ({@code name<TAB>code code ...}) or JSON lines ({@code {"file": ..., "codes": [...]}}).
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Turns images into SEED codes: one line per image, the file name then its codes.",
            "Folders are searched recursively for image files, sorted by path."})
public final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TokenizerModelOption models;

    @Mixin
    DtypeOption dtype;

    @Parameters(arity = "1..*", paramLabel = "IMAGE_OR_FOLDER", description = "image files and folders")
    List<Path> inputs;

    @Option(names = "--json", description = "print JSON lines {\"file\": ..., \"codes\": [...]}")
    boolean json;

    @Override
    public Integer call() {
        List<Path> files = ImageInputs.expand(inputs);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int failures = 0;
        Path modelDir = models.tokenizerDir();
        try (SeedTokenizer tokenizer = dtype.tokenizerOnlyType()
                .map(type -> SeedTokenizer.load(modelDir, Device.cpu(), type))
                .orElseGet(() -> SeedTokenizer.load(modelDir));
             Progress progress = Progress.start("tokenize", files.size())) {
            for (int start = 0; start < files.size(); start += SeedTokenizer.MAX_BATCH) {
                List<Path> chunk = files.subList(start, Math.min(files.size(), start + SeedTokenizer.MAX_BATCH));
                // every input gets its line: the readable images are tokenized as one batch, the others reported
                List<ItemResult<int[]>> results = tokenizer.tokenizeFiles(chunk);
                for (int i = 0; i < chunk.size(); i++) {
                    ItemResult<int[]> result = results.get(i);
                    if (!result.isSuccess()) {
                        failures++;
                        err.println(spec.qualifiedName() + ": " + result.errorMessage());
                        if (json) {
                            out.println(errorLine(chunk.get(i), result.errorMessage()));
                        }
                    } else {
                        int[] c = result.value();
                        out.println(json ? jsonLine(chunk.get(i), c) : chunk.get(i) + "\t" + Codes.format(c));
                    }
                }
                out.flush();
                err.flush();
                progress.step(chunk.size(), chunk.get(chunk.size() - 1).getFileName().toString());
            }
        }
        return failures == 0 ? 0 : SeedCli.EXIT_FAILURE;
    }

    private static String errorLine(Path file, String problem) {
        JsonObject line = new JsonObject();
        line.addProperty("file", file.toString());
        line.addProperty("error", problem);
        return line.toString();
    }

    private static String jsonLine(Path file, int[] codes) {
        JsonObject line = new JsonObject();
        line.addProperty("file", file.toString());
        JsonArray array = new JsonArray();
        for (int code : codes) {
            array.add(code);
        }
        line.add("codes", array);
        return line.toString();
    }
}
