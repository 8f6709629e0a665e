package dev.seedj.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the models the command-line tool uses when no {@code --model} / {@code --llm} option is given.
 *
 * <p>Order: the environment variable ({@value #MODEL_ENV} for the image tokenizer, {@value #LLM_ENV} for
 * the language model), then the first of the bundled model directories ({@link #TOKENIZER_CANDIDATES},
 * {@link #LLM_CANDIDATES}) found under the working directory or any of its parents, so the tool finds the
 * repository's {@code models/} folder from the repository root or from any module folder.
 *
 * <p>Stateless; thread-safe.
 */
public final class DefaultModels {
    /** Environment variable naming the image tokenizer's model directory. */
    public static final String MODEL_ENV = "SEEDJ_MODEL";
    /** Environment variable naming the language model's directory. */
    public static final String LLM_ENV = "SEEDJ_LLM";
    /** Bundled tokenizer directories, relative to a repository root, in order of preference. */
    public static final List<String> TOKENIZER_CANDIDATES = List.of("models/seed-mini/tokenizer", "models/demo-v1-tiny");
    /** Bundled language-model directories, relative to a repository root, in order of preference. */
    public static final List<String> LLM_CANDIDATES = List.of("models/seed-mini/llm", "models/demo-opt-tiny");

    private final Path workingDir;
    private final Map<String, String> environment;

    /**
     * @param workingDir where the search starts
     * @param environment the process environment (e.g. {@link System#getenv()})
     */
    public DefaultModels(Path workingDir, Map<String, String> environment) {
        this.workingDir = workingDir.toAbsolutePath().normalize();
        this.environment = Map.copyOf(environment);
    }

    /** @return the defaults for this process: its working directory and environment */
    public static DefaultModels ofProcess() {
        return new DefaultModels(Path.of(""), System.getenv());
    }

    /**
     * @return the image tokenizer's directory
     * @throws CliException if none is configured or bundled
     */
    public Path tokenizer() {
        return find(MODEL_ENV, TOKENIZER_CANDIDATES, "seed-tokenizer.json", "--model");
    }

    /**
     * @return the language model's directory
     * @throws CliException if none is configured or bundled
     */
    public Path llm() {
        return find(LLM_ENV, LLM_CANDIDATES, "config.json", "--llm");
    }

    private Path find(String env, List<String> candidates, String marker, String option) {
        String fromEnv = environment.get(env);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return existing(Path.of(fromEnv)).orElseThrow(); // the same check and wording as the option's
        }
        for (Path dir = workingDir; dir != null; dir = dir.getParent()) {
            for (String candidate : candidates) {
                Path model = dir.resolve(candidate);
                if (Files.isRegularFile(model.resolve(marker))) {
                    return model;
                }
            }
        }
        throw new CliException("no model found: pass " + option + " DIR, set " + env
                + ", or run from the repository (looked for " + String.join(" or ", candidates) + " in "
                + workingDir + " and its parents)");
    }

    /**
     * @param dir a directory given on the command line, or null
     * @return the directory if it exists
     * @throws CliException if it does not
     */
    static Optional<Path> existing(Path dir) {
        if (dir == null) {
            return Optional.empty();
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException("model directory " + dir + " does not exist");
        }
        return Optional.of(dir);
    }
}
