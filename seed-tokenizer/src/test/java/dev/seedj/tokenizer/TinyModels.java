package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The oracle's tiny tokenizer cases as model directories. */
final class TinyModels {
    private TinyModels() {}

    /**
     * @param caseName {@code v1-tiny} or {@code v2-tiny}
     * @return the test resource config of that case (its weights entry is {@code weights.safetensors})
     */
    static TokenizerConfig config(String caseName) {
        return TokenizerConfig.parse(resource(caseName + ".json"));
    }

    static String resource(String name) {
        try (InputStream in = TinyModels.class.getResourceAsStream(name)) {
            assertNotNull(in, "test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a model directory whose config points at one of the case's oracle weight files.
     *
     * @param caseName {@code v1-tiny} or {@code v2-tiny}
     * @param weightsFile e.g. {@code weights.pth}
     * @param config the config to write (its weights list is replaced)
     * @param dir an empty directory
     * @return {@code dir}
     */
    static Path modelDir(String caseName, String weightsFile, TokenizerConfig config, Path dir) {
        Path weights = Oracle.path(caseName, weightsFile).toAbsolutePath();
        TokenizerConfig withWeights = new TokenizerConfig(config.version(), config.imageSize(), config.resize(),
                config.imageMean(), config.imageStd(), config.vision(), config.qformer(), config.codebook(),
                config.decoder(), List.of(new TokenizerConfig.WeightFile(weights.toString(), "")));
        try {
            Files.writeString(dir.resolve(TokenizerConfig.FILE_NAME), withWeights.toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * @param caseName {@code v1-tiny} or {@code v2-tiny}
     * @param weightsFile e.g. {@code weights.pth}
     * @return a tokenizer loaded through a model directory, as a user would
     */
    static SeedTokenizer load(String caseName, String weightsFile) {
        try {
            Path dir = Files.createTempDirectory("seedj-" + caseName);
            dir.toFile().deleteOnExit();
            modelDir(caseName, weightsFile, config(caseName), dir);
            dir.resolve(TokenizerConfig.FILE_NAME).toFile().deleteOnExit();
            return SeedTokenizer.load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
