package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * diffusers' {@code StableUnCLIPImageNormalizer}: the image embedding's per-feature {@code mean} and {@code std}
 * [1, E], so that noise is added to standardised embeddings: {@code scale(x) = (x - mean) / std},
 * {@code unscale(x) = x * std + mean}.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class StableUnCLIPImageNormalizer extends SeedBlock {
    private final int embeddingDim;
    private final Parameter mean;
    private final Parameter std;

    /**
     * @param embeddingDim E (SD 2.1 unCLIP: 1024)
     */
    public StableUnCLIPImageNormalizer(int embeddingDim) {
        this.embeddingDim = embeddingDim;
        this.mean = declareParameter("mean", new Shape(1, embeddingDim), new ConstantInitializer(0f));
        this.std = declareParameter("std", new Shape(1, embeddingDim), new ConstantInitializer(1f));
    }

    /**
     * Loads a diffusers {@code image_normalizer/} folder: {@code config.json} ({@code embedding_dim}) and
     * {@code diffusion_pytorch_model.safetensors} (preferred) or {@code .bin}.
     *
     * @param folder the folder
     * @param manager owns the weights
     * @return the loaded normalizer
     * @throws CheckpointException if a file is missing or the weights do not match the config
     */
    public static StableUnCLIPImageNormalizer load(Path folder, NDManager manager) {
        Path config = folder.resolve("config.json");
        int dim;
        try {
            dim = ConfigValue.readFile(config, root -> {
                ConfigValue embeddingDim = root.get("embedding_dim");
                int value = embeddingDim.asInt();
                if (value < 1) {
                    throw embeddingDim.error("must be positive, got " + value);
                }
                return value;
            });
        } catch (ConfigException e) {
            throw new CheckpointException(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new CheckpointException("cannot read " + config + ": " + e.getMessage(), e);
        }
        StableUnCLIPImageNormalizer normalizer = new StableUnCLIPImageNormalizer(dim);
        try (StateDict weights = StateDict.open(weightsFile(folder))) {
            StateDictLoader.load(normalizer, weights, manager);
        }
        return normalizer;
    }

    /**
     * @param embeds [B, E]
     * @return {@code (embeds - mean) * 1.0 / std} [B, E]
     */
    public NDArray scale(NDArray embeds) {
        requireWidth(embeds);
        return embeds.sub(mean.getArray()).div(std.getArray());
    }

    /**
     * @param embeds [B, E]
     * @return {@code embeds * std + mean} [B, E]
     */
    public NDArray unscale(NDArray embeds) {
        requireWidth(embeds);
        return embeds.mul(std.getArray()).add(mean.getArray());
    }

    /** @return E */
    public int embeddingDim() {
        return embeddingDim;
    }


    private void requireWidth(NDArray embeds) {
        Shape s = embeds.getShape();
        if (s.dimension() != 2 || s.get(1) != embeddingDim) {
            throw new IllegalArgumentException("image embeddings must be [B, " + embeddingDim + "], got " + s);
        }
    }

    /** The folder's weights: safetensors if present, else the pickled {@code .bin}. */
    static Path weightsFile(Path folder) {
        for (String name : new String[] {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin"}) {
            Path file = folder.resolve(name);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new CheckpointException(folder + " has neither diffusion_pytorch_model.safetensors nor .bin");
    }
}
