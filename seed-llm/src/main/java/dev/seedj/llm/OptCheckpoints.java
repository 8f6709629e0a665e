package dev.seedj.llm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.GsonBuilder;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Creates {@link OptModel}s from Hugging Face checkpoints or random weights and writes them back, by the
 * network's own parameter names ({@link OptForCausalLm#namedParameters()}).
 *
 * <p>Stateless and thread-safe.
 */
final class OptCheckpoints {
    private OptCheckpoints() {}

    /** @see OptModel#load(Path, Device, ComputeType) */
    static OptModel load(Path dir, Device device, ComputeType dtype) {
        OptConfig config = OptConfig.load(dir.resolve("config.json"));
        try (StateDict weights = StateDict.open(dir)) {
            return load(config, weights, device, dtype);
        }
    }

    /** @see OptModel#load(OptConfig, StateDict, Device, ComputeType) */
    static OptModel load(OptConfig config, StateDict weights, Device device, ComputeType dtype) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            OptModel model = new OptModel(manager, null, config, !config.tieWordEmbeddings(), null, Map.of());
            OptForCausalLm net = model.network();
            // an OPTModel checkpoint names the decoder without OPTForCausalLM's "model." in front
            String embed = net.embedTokensKey(); // model.decoder.embed_tokens.weight
            String outer = embed.substring(0, embed.indexOf('.') + 1);
            StateDict named = !weights.contains(embed) && weights.contains(embed.substring(outer.length()))
                    ? weights.withPrefix(outer)
                    : weights;
            StateDictLoader.load(net, named, manager, name -> false, typeOf(net, dtype), null);
            reduceHead(net, manager, dtype);
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** @see OptModel#random(OptConfig, long, Device, ComputeType) */
    static OptModel random(OptConfig config, long seed, Device device, ComputeType dtype) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            OptModel model = new OptModel(manager, null, config, !config.tieWordEmbeddings(), null, Map.of());
            OptForCausalLm net = model.network();
            manager.getEngine().setRandomSeed((int) seed);
            Map<String, Shape> shapes = net.declaredShapes();
            Function<String, ComputeType> typeOf = typeOf(net, dtype);
            for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
                Shape shape = shapes.get(e.getKey());
                NDArray a;
                if (e.getKey().endsWith("embed_positions.weight")) {
                    a = manager.randomNormal(0f, 0.5f, shape, DataType.FLOAT32);
                } else if (shape.dimension() >= 2) {
                    a = manager.randomNormal(0f, (float) (1 / Math.sqrt(shape.get(1))), shape, DataType.FLOAT32);
                } else if (e.getKey().endsWith("layer_norm.weight")) {
                    a = manager.randomNormal(1f, 0.1f, shape, DataType.FLOAT32);
                } else {
                    a = manager.randomNormal(0f, 0.1f, shape, DataType.FLOAT32);
                }
                if (typeOf.apply(e.getKey()) == ComputeType.BFLOAT16) { // the same draws, rounded
                    NDArray rounded = LibtorchOps.toBfloat16(a);
                    a.close();
                    a = rounded;
                }
                e.getValue().setArray(a);
            }
            reduceHead(net, manager, dtype);
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The type each parameter is loaded in: for {@link ComputeType#BFLOAT16}, the matrices of the decoder's linear
     * layers ({@link StateDictLoader#matricesIn}); float32 for the rest: positions, layer norms, biases, and the token
     * embeddings, which the tied output layer multiplies by, so that the logits are float32 products (bfloat16 logits
     * are 2^-8 apart near 2-4, as close as the fixture's nearest greedy ties). The residual stream, norms and
     * attention stay float32; only the decoder's matrix products read bfloat16.
     */
    static Function<String, ComputeType> typeOf(OptForCausalLm net, ComputeType dtype) {
        return StateDictLoader.matricesIn(net, dtype);
    }

    /** A bfloat16 model decodes with a bfloat16 copy of the output matrix (the float32 one rescores). */
    private static void reduceHead(OptForCausalLm net, NDManager manager, ComputeType dtype) {
        if (dtype == ComputeType.BFLOAT16) {
            net.reduceHeadToBfloat16(manager);
        }
    }

    /** @see OptModel#save(Path) */
    static void save(OptModel model, Path dir) {
        try {
            Files.createDirectories(dir);
            String json = new GsonBuilder().setPrettyPrinting().create().toJson(model.config().toJson());
            Files.writeString(dir.resolve("config.json"), json + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model to " + dir, e);
        }
        new SafetensorsWriter().withMetadata(Map.of("format", "pt"))
                .write(dir.resolve("model.safetensors"), arrays(model.network()));
    }

    /**
     * @param net a network with arrays
     * @return every parameter's array by full name, in tree order
     */
    static Map<String, NDArray> arrays(OptForCausalLm net) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        net.namedParameters().forEach((name, p) -> out.put(name, p.getArray()));
        return out;
    }

    /**
     * Attaches an array to every parameter of a network without arrays.
     *
     * @param net the network
     * @param arrays full parameter name -> array (of the declared shape)
     * @throws IllegalStateException if a parameter has no array
     * @throws IllegalArgumentException if an array has the wrong shape
     */
    static void attach(OptForCausalLm net, Map<String, NDArray> arrays) {
        Map<String, Shape> shapes = net.declaredShapes();
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            NDArray a = arrays.get(e.getKey());
            if (a == null) {
                throw new IllegalStateException("no array for parameter '" + e.getKey() + "'");
            }
            if (!a.getShape().equals(shapes.get(e.getKey()))) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' expects " + shapes.get(e.getKey())
                        + " but got " + a.getShape());
            }
            e.getValue().setArray(a);
        }
    }
}
