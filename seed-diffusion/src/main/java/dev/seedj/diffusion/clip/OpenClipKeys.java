package dev.seedj.diffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads OpenCLIP text-tower weights (SD 2's {@code cond_stage_model.model.*} without the prefix) into the Hugging
 * Face-named {@link ClipTextTransformer}, by the mapping of diffusers' {@code convert_open_clip_checkpoint}:
 * {@code token_embedding}, {@code positional_embedding}, {@code transformer.resblocks.N.{ln_1, attn.in_proj_*
 * (row thirds: q, k, v), attn.out_proj, ln_2, mlp.c_fc, mlp.c_proj}}, {@code ln_final}.
 *
 * <p>Stateless and thread-safe; the block being loaded must not be used concurrently.
 */
final class OpenClipKeys {
    /** The OpenCLIP name of the token embedding. */
    static final String TOKEN_EMBEDDING = "token_embedding.weight";
    private static final Logger LOG = LoggerFactory.getLogger(OpenClipKeys.class);
    private static final String LAYER = "text_model.encoder.layers.";
    private static final Pattern LAYER_KEY = Pattern.compile("text_model\\.encoder\\.layers\\.(\\d+)\\.(.+)");
    private static final Map<String, String> LAYER_PARTS = Map.of(
            "layer_norm1", "ln_1", "layer_norm2", "ln_2", "self_attn.out_proj", "attn.out_proj",
            "mlp.fc1", "mlp.c_fc", "mlp.fc2", "mlp.c_proj");
    private static final List<String> QKV = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj");

    private OpenClipKeys() {
    }

    /** Where a Hugging Face parameter comes from: an OpenCLIP key and, for q/k/v, which third of its rows. */
    private record Source(String key, int third) {
    }

    /**
     * @param network the model's root block
     * @param weights OpenCLIP text keys
     * @param manager owns the loaded arrays
     * @throws CheckpointException naming every missing weight, or the first shape mismatch
     */
    static void load(SeedBlock network, StateDict weights, NDManager manager) {
        Map<String, Parameter> params = network.namedParameters();
        Map<String, Shape> shapes = network.declaredShapes();
        List<String> missing = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (String name : params.keySet()) {
            Source source = source(name);
            if (!weights.contains(source.key())) {
                missing.add(source.key() + " (for " + name + ")");
                continue;
            }
            long[] stored = weights.info(source.key()).shape();
            long[] expected = shapes.get(name).getShape().clone();
            if (source.third() >= 0) {
                expected[0] *= 3;
            }
            if (!Arrays.equals(stored, expected)) {
                throw new CheckpointException("OpenCLIP weight '" + source.key() + "' has shape " + Arrays.toString(stored)
                        + " but " + name + " needs " + Arrays.toString(expected) + " (is the config right?)");
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException("the OpenCLIP text encoder lacks " + missing.size() + " weight(s): "
                    + String.join(", ", missing.subList(0, Math.min(missing.size(), 20))));
        }
        Map<String, NDArray> fused = new HashMap<>(); // each in_proj tensor is read once for its q, k and v
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Source source = source(e.getKey());
            NDArray array = source.third() >= 0
                    ? fused.computeIfAbsent(source.key(), k -> weights.get(k, manager))
                    : weights.get(source.key(), manager);
            used.add(source.key());
            if (source.third() >= 0) {
                long rows = array.getShape().get(0) / 3;
                // a view of the fused tensor: the fused array stays open (with the model's manager), because a
                // tensor read from a checkpoint may live in Java memory that closing it would free under the view
                array = array.get(new NDIndex("{}:{}", source.third() * rows, (source.third() + 1) * rows));
            }
            StateDictLoader.assign(e.getValue(), array);
        }
        List<String> unused = weights.keys().stream().filter(k -> !used.contains(k)).toList();
        if (!unused.isEmpty()) {
            LOG.info("OpenCLIP text encoder: ignored {} key(s) it does not use: {}", unused.size(),
                    String.join(", ", unused.subList(0, Math.min(unused.size(), 20))));
        }
    }

    private static Source source(String name) {
        switch (name) {
            case "text_model.embeddings.token_embedding.weight":
                return new Source(TOKEN_EMBEDDING, -1);
            case "text_model.embeddings.position_embedding.weight":
                return new Source("positional_embedding", -1);
            case "text_model.final_layer_norm.weight":
                return new Source("ln_final.weight", -1);
            case "text_model.final_layer_norm.bias":
                return new Source("ln_final.bias", -1);
            default:
                break;
        }
        Matcher m = LAYER_KEY.matcher(name);
        if (!m.matches()) {
            throw new IllegalStateException("no OpenCLIP name for " + name);
        }
        String block = "transformer.resblocks." + m.group(1) + ".";
        String rest = m.group(2); // e.g. self_attn.q_proj.weight
        int dot = rest.lastIndexOf('.');
        String part = rest.substring(0, dot);
        String kind = rest.substring(dot + 1); // weight or bias
        int third = QKV.indexOf(part);
        if (third >= 0) {
            return new Source(block + "attn.in_proj_" + kind, third);
        }
        String mapped = LAYER_PARTS.get(part);
        if (mapped == null) {
            throw new IllegalStateException("no OpenCLIP name for " + LAYER + m.group(1) + "." + rest);
        }
        return new Source(block + mapped + "." + kind, -1);
    }
}
