package dev.seedj.examples.mini;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.NormalInitializer;
import com.google.gson.JsonObject;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SEED-mini's stand-in for Stable Diffusion: a small deterministic decoder from one generation embedding (the
 * tokenizer's v2-style image head output, [F]) to a 64 x 64 RGB picture. It is trained jointly with the stage-2
 * codebook and image head to reconstruct the input picture, so that {@code codes -> detokenize -> PixelDecoder}
 * draws what the codes describe.
 * <pre>
 * e [B, F] -&gt; proj (Linear) -&gt; ReLU -&gt; [B, C0, 8, 8]
 *   -&gt; 3 x (nearest 2x upsampling, conv 3x3, ReLU)   [B, C3, 64, 64]
 *   -&gt; out (conv 3x3) -&gt; sigmoid                      [B, 3, 64, 64], RGB in [0, 1]
 * </pre>
 * Files in a tokenizer directory: {@value #CONFIG_FILE} ({@code {"input_dim": F, "channels": [C0, C1, C2, C3]}})
 * and {@value #WEIGHTS_FILE}.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded; not thread-safe while
 * training.
 */
public final class PixelDecoder extends SeedBlock {
    /** The configuration file's name. */
    public static final String CONFIG_FILE = "pixel-decoder.json";
    /** The weights file's name. */
    public static final String WEIGHTS_FILE = "pixel-decoder.safetensors";
    /** Side of the output picture. */
    public static final int SIZE = 64;
    private static final int START = SIZE / 8;
    /** Channels the output convolution is computed with (see {@link #outConv}). */
    private static final int OUT_BLOCK = 16;

    private final int inputDim;
    private final int[] channels;
    private final Linear proj;
    private final List<Conv2d> ups = new ArrayList<>();
    private final Conv2d out;

    /**
     * @param inputDim F, the generation embedding width
     * @param channels the four channel counts C0..C3 (after the projection and after each upsampling)
     */
    public PixelDecoder(int inputDim, int[] channels) {
        if (inputDim < 1 || channels.length != 4) {
            throw new IllegalArgumentException("a pixel decoder needs input_dim >= 1 and 4 channel counts, got "
                    + inputDim + " and " + channels.length);
        }
        this.inputDim = inputDim;
        this.channels = channels.clone();
        this.proj = declareChild("proj", new Linear(inputDim, (long) channels[0] * START * START, true));
        for (int i = 0; i < 3; i++) {
            ups.add(declareChild("ups." + i, heNormalConv3x3(channels[i], channels[i + 1])));
        }
        this.out = declareChild("out", heNormalConv3x3(channels[3], 3));
    }

    /** @return F */
    public int inputDim() {
        return inputDim;
    }

    /**
     * @param embeddings [B, F] (or [B, 1, F])
     * @return [B, 3, 64, 64] RGB in [0, 1]
     */
    public NDArray forward(NDArray embeddings) {
        long b = embeddings.getShape().get(0);
        NDArray x = ActivationFunction.RELU.apply(proj.forward(embeddings.reshape(b, inputDim)))
                .reshape(b, channels[0], START, START); // [B, C0, 8, 8]
        for (Conv2d conv : ups) {
            x = ActivationFunction.RELU.apply(conv.forward(upsample(x)));
        }
        return ai.djl.nn.Activation.sigmoid(outConv(x)); // [B, 3, 64, 64]
    }

    /**
     * The output convolution, its 3 output channels computed as the last of {@value #OUT_BLOCK} whose first are
     * zero: oneDNN 3.7.1 (libtorch 2.7.1) pads the channels to a block of 16 itself and then, with two threads on
     * AMD Zen 5, its backward pass intermittently returns NaN input gradients (seen here: the stage-2 recipe went NaN
     * at its second step); with no padding of its own it does not. The 3 channels are the same numbers.
     *
     * @param x [B, C3, 64, 64]
     * @return [B, 3, 64, 64] before the sigmoid
     */
    private NDArray outConv(NDArray x) {
        NDArray weight = out.weight().getArray(); // [3, C3, 3, 3]
        Shape pad = new Shape(OUT_BLOCK - 3, weight.getShape().get(1), 3, 3);
        // concatenated from arrays of x's manager, so the padded copies are freed with the step, not the weights
        NDManager scope = x.getManager();
        NDArray paddedWeight = scope.zeros(pad).concat(weight); // [16, C3, 3, 3]
        NDArray paddedBias = scope.zeros(new Shape(OUT_BLOCK - 3)).concat(out.bias().getArray()); // [16]
        NDArray y = ai.djl.nn.convolutional.Conv2d.conv2d(x, paddedWeight, paddedBias, new Shape(1, 1),
                new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow(); // [B, 16, 64, 64]
        return y.get(":, {}:", OUT_BLOCK - 3); // [B, 3, 64, 64]
    }

    /** Nearest-neighbour 2x upsampling: [B, C, H, W] to [B, C, 2H, 2W]. */
    private static NDArray upsample(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        return x.reshape(b, c, h, 1, w, 1).broadcast(new Shape(b, c, h, 2, w, 2)).reshape(b, c, 2 * h, 2 * w);
    }

    /**
     * Draws one picture.
     *
     * @param embedding [F] values (a generation embedding, flattened)
     * @param manager scratch space
     * @return the 64 x 64 picture
     * @throws IllegalArgumentException if the embedding does not have F values
     */
    public BufferedImage draw(float[] embedding, NDManager manager) {
        if (embedding.length != inputDim) {
            throw new IllegalArgumentException("the pixel decoder takes a " + inputDim + "-value embedding, got "
                    + embedding.length);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray rgb = forward(scope.create(embedding, new Shape(1, inputDim))); // [1, 3, 64, 64]
            return toImage(rgb.toFloatArray());
        }
    }

    /**
     * @param chw RGB in [0, 1], [3, 64, 64] row-major
     * @return the picture
     */
    public static BufferedImage toImage(float[] chw) {
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        int plane = SIZE * SIZE;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int i = y * SIZE + x;
                int r = level(chw[i]);
                int g = level(chw[plane + i]);
                int bl = level(chw[2 * plane + i]);
                image.setRGB(x, y, (r << 16) | (g << 8) | bl);
            }
        }
        return image;
    }

    /**
     * @param image a 64 x 64 picture
     * @return its RGB in [0, 1], [3, 64, 64] row-major (the reconstruction target)
     */
    public static float[] toChw(BufferedImage image) {
        if (image.getWidth() != SIZE || image.getHeight() != SIZE) {
            throw new IllegalArgumentException("the pixel decoder draws " + SIZE + "x" + SIZE + " pictures, got "
                    + image.getWidth() + "x" + image.getHeight());
        }
        float[] out = new float[3 * SIZE * SIZE];
        int plane = SIZE * SIZE;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int rgb = image.getRGB(x, y);
                int i = y * SIZE + x;
                out[i] = ((rgb >> 16) & 0xff) / 255f;
                out[plane + i] = ((rgb >> 8) & 0xff) / 255f;
                out[2 * plane + i] = (rgb & 0xff) / 255f;
            }
        }
        return out;
    }

    private static int level(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255f)));
    }

    /**
     * Writes {@value #CONFIG_FILE} and {@value #WEIGHTS_FILE} into a folder.
     *
     * @param dir the folder
     */
    public void save(Path dir) {
        JsonObject json = new JsonObject();
        json.addProperty("input_dim", inputDim);
        com.google.gson.JsonArray ch = new com.google.gson.JsonArray();
        for (int c : channels) {
            ch.add(c);
        }
        json.add("channels", ch);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(CONFIG_FILE), json + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(CONFIG_FILE), e);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        namedParameters().forEach((name, p) -> tensors.put(name, p.getArray()));
        new SafetensorsWriter().withMetadata(Map.of("format", "pt")).write(dir.resolve(WEIGHTS_FILE), tensors);
    }

    /**
     * @param dir a folder holding {@value #CONFIG_FILE} and {@value #WEIGHTS_FILE}
     * @return whether both files are there
     */
    public static boolean existsIn(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG_FILE)) && Files.isRegularFile(dir.resolve(WEIGHTS_FILE));
    }

    /**
     * Loads a decoder saved by {@link #save}.
     *
     * @param dir the folder
     * @param manager owns the weights
     * @return the decoder
     * @throws ConfigException naming the file and the bad field if the config is malformed
     * @throws dev.seedj.core.weights.CheckpointException if weights are missing or of the wrong shape
     */
    public static PixelDecoder load(Path dir, NDManager manager) {
        Path config = dir.resolve(CONFIG_FILE);
        PixelDecoder decoder = ConfigValue.readFile(config, json -> {
            int[] channels = json.get("channels").asList(ConfigValue::asInt).stream().mapToInt(Integer::intValue)
                    .toArray();
            try {
                return new PixelDecoder(json.get("input_dim").asInt(), channels);
            } catch (ConfigException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw json.error(e.getMessage());
            }
        });
        try (StateDict weights = StateDict.open(dir.resolve(WEIGHTS_FILE))) {
            StateDictLoader.load(decoder, weights, manager);
        }
        return decoder;
    }

    /**
     * A 3 x 3 "same" convolution whose weights start He-normal ({@code std = sqrt(2 / (in k k))}), as suits the
     * ReLU that follows it.
     */
    private static Conv2d heNormalConv3x3(int in, int out) {
        int kernel = 3;
        float std = (float) Math.sqrt(2.0 / (in * kernel * kernel));
        return new Conv2d(in, out, kernel, 1, kernel / 2, new NormalInitializer(std));
    }
}
