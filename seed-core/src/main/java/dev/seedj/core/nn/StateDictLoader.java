package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import dev.seedj.core.weights.StateDict;
import dev.seedj.core.weights.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a {@link SeedBlock}'s parameters from a {@link StateDict} by their dotted names, checking every
 * shape first. Missing parameters are an error unless declared optional; checkpoint keys that no parameter
 * asks for are tolerated and reported (the reference loads with {@code strict=False}).
 *
 * <p>Stateless and thread-safe; the block being loaded must not be used concurrently.
 */
public final class StateDictLoader {
    private static final Logger LOG = LoggerFactory.getLogger(StateDictLoader.class);

    private StateDictLoader() {}

    /**
     * Loads every parameter of {@code block} from {@code weights}; all are required.
     *
     * @param block the block to fill
     * @param weights tensors named as the block's {@link SeedBlock#namedParameters()}
     * @param manager owns the loaded arrays (usually the model's manager)
     * @return what was loaded and what was left over
     * @throws CheckpointException naming every missing parameter, or the first shape mismatch
     */
    public static LoadReport load(SeedBlock block, StateDict weights, NDManager manager) {
        return load(block, weights, manager, name -> false);
    }

    /**
     * Loads the parameters of {@code block} from {@code weights}.
     *
     * @param block the block to fill
     * @param weights tensors named as the block's {@link SeedBlock#namedParameters()}
     * @param manager owns the loaded arrays (usually the model's manager)
     * @param optional parameters that may be absent (they keep their current array, or are initialised)
     * @return what was loaded and what was left over
     * @throws CheckpointException naming every missing required parameter, or the first shape mismatch
     */
    public static LoadReport load(
            SeedBlock block, StateDict weights, NDManager manager, Predicate<String> optional) {
        return load(block, weights, manager, optional, ComputeType.FLOAT32);
    }

    /**
     * Loads the parameters of {@code block} from {@code weights} for a model computing in {@code type}
     * ({@link StateDict#get(String, NDManager, ComputeType)}: bfloat16 floating parameters for
     * {@link ComputeType#BFLOAT16}).
     *
     * @param block the block to fill
     * @param weights tensors named as the block's {@link SeedBlock#namedParameters()}
     * @param manager owns the loaded arrays (usually the model's manager)
     * @param optional parameters that may be absent (they keep their current array, or are initialised)
     * @param type the compute type of the loaded parameters
     * @return what was loaded and what was left over
     * @throws CheckpointException naming every missing required parameter, or the first shape mismatch
     */
    public static LoadReport load(SeedBlock block, StateDict weights, NDManager manager, Predicate<String> optional,
            ComputeType type) {
        return load(block, weights, manager, optional, name -> type, null);
    }

    /**
     * Loads the parameters of {@code block} from {@code weights}, each in its own compute type (e.g. from
     * {@link #matricesIn}: bfloat16 matrices of the linear layers, float32 for the rest), for a caller that may know
     * which checkpoint keys its model never reads (e.g. a tokenizer checkpoint's training-only branches): those are
     * logged at DEBUG, any other ignored key at WARN, as it may mean the checkpoint and the model do not match.
     * Without {@code knownUnused} every ignored key is logged at INFO.
     *
     * @param block the block to fill
     * @param weights tensors named as the block's {@link SeedBlock#namedParameters()}
     * @param manager owns the loaded arrays (usually the model's manager)
     * @param optional parameters that may be absent (they keep their current array, or are initialised)
     * @param typeOf the compute type of each parameter, by name
     * @param knownUnused checkpoint keys the model is known not to use, or null
     * @return what was loaded and what was left over
     * @throws CheckpointException naming every missing required parameter, or the first shape mismatch
     */
    public static LoadReport load(SeedBlock block, StateDict weights, NDManager manager, Predicate<String> optional,
            Function<String, ComputeType> typeOf, Predicate<String> knownUnused) {
        Map<String, Parameter> params = block.namedParameters();
        Map<String, Shape> shapes = block.declaredShapes();
        List<String> missing = new ArrayList<>();
        List<String> missingOptional = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            if (!weights.contains(name)) {
                (optional.test(name) ? missingOptional : missing).add(name);
                continue;
            }
            TensorInfo info = weights.info(name);
            if (!Arrays.equals(info.shape(), shapes.get(name).getShape())) {
                throw new CheckpointException("weight '" + name + "' has shape " + Arrays.toString(info.shape())
                        + " in the checkpoint but the model expects " + shapes.get(name)
                        + " (is the config right for these weights?)");
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException("the checkpoint lacks " + missing.size() + " weight(s) of "
                    + block.getClass().getSimpleName() + ": " + summarize(missing));
        }
        List<String> loaded = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (weights.contains(e.getKey())) {
                assign(e.getValue(), weights.get(e.getKey(), manager, typeOf.apply(e.getKey())));
                loaded.add(e.getKey());
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String key : weights.keys()) {
            if (!params.containsKey(key)) {
                unexpected.add(key);
            }
        }
        logIgnored(block.getClass().getSimpleName(), unexpected, knownUnused);
        if (!missingOptional.isEmpty()) {
            LOG.debug("{}: optional weights not in the checkpoint: {}",
                    block.getClass().getSimpleName(), summarize(missingOptional));
        }
        return new LoadReport(loaded, missingOptional, unexpected);
    }

    /** Logs the ignored keys: all at INFO without {@code knownUnused}, else the known ones at DEBUG, others at WARN. */
    private static void logIgnored(String model, List<String> unexpected, Predicate<String> knownUnused) {
        if (knownUnused == null) {
            if (!unexpected.isEmpty()) {
                LOG.info("{}: ignored {} checkpoint key(s) the model does not use: {}", model, unexpected.size(),
                        summarize(unexpected));
            }
            return;
        }
        List<String> known = unexpected.stream().filter(knownUnused).toList();
        List<String> other = unexpected.stream().filter(knownUnused.negate()).toList();
        if (!known.isEmpty()) {
            LOG.debug("{}: ignored {} checkpoint key(s) of parts the model does not run: {}", model, known.size(),
                    summarize(known));
        }
        if (!other.isEmpty()) {
            LOG.warn("{}: ignored {} unexpected checkpoint key(s) (is this checkpoint for this model?): {}", model,
                    other.size(), summarize(other));
        }
    }

    /**
     * The mixed precision of a reduced-precision model: the weight matrices of its {@link Linear} layers (where the
     * matrix products and nearly all weight bytes are) in {@code type}, every other parameter (norms, biases,
     * embeddings, convolutions, learned tokens) in float32. With {@link Linear}'s handling of a bfloat16 weight, the
     * activations between the layers then stay float32.
     *
     * @param block the model (its linear layers as they are now in the block tree)
     * @param type the type of the matrices
     * @return the type of each parameter, by name
     */
    public static Function<String, ComputeType> matricesIn(SeedBlock block, ComputeType type) {
        Set<String> matrices = new HashSet<>();
        for (Map.Entry<String, SeedBlock> e : block.namedBlocks().entrySet()) {
            if (e.getValue() instanceof Linear) {
                matrices.add(e.getKey() + ".weight");
            }
        }
        return name -> matrices.contains(name) ? type : ComputeType.FLOAT32;
    }

    /**
     * Attaches {@code array} to a parameter: as its array if it has none, else copied into the existing one.
     *
     * @param parameter the parameter
     * @param array the new value; must have the parameter's shape
     */
    public static void assign(Parameter parameter, NDArray array) {
        if (!parameter.isInitialized()) {
            parameter.setArray(array);
        } else {
            NDArray current = parameter.getArray();
            if (!current.getShape().equals(array.getShape())) {
                throw new IllegalArgumentException("cannot assign " + array.getShape() + " to parameter '"
                        + parameter.getName() + "' of shape " + current.getShape());
            }
            if (LibtorchOps.isBfloat16(current) || LibtorchOps.isBfloat16(array)) {
                current.intern(array); // takes over the new tensor (DJL's copyTo cannot write bfloat16)
            } else {
                array.copyTo(current);
                array.close();
            }
        }
    }

    private static String summarize(List<String> names) {
        int shown = Math.min(names.size(), 20);
        String head = String.join(", ", names.subList(0, shown));
        return shown < names.size() ? head + ", ... (" + (names.size() - shown) + " more)" : head;
    }
}
