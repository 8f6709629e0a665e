package dev.seedj.tokenizer;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.LoadReport;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.model.VisualTokenizerModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a {@link VisualTokenizerModel} from the weight files a config lists, as the reference does: each
 * file in order with {@code strict=False} (a later file overrides an earlier one), keys prefixed as the
 * config says; afterwards every parameter must have been found somewhere.
 *
 * <p>Stateless and thread-safe; the model being filled must not be in use.
 */
final class TokenizerWeights {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerWeights.class);
    private static final int SHOWN = 20;
    /**
     * Checkpoint keys of parts SEED checkpoints carry but tokenizing and detokenizing never run (logged at DEBUG
     * when ignored): the stage-2 reconstruction branch ({@code pos_embed}, {@code blocks.N}), the stage-1 text
     * branch and contrastive heads ({@code Qformer.cls}, the word and position embeddings, the text feed-forward
     * {@code intermediate} / {@code output} of each layer, {@code vision_proj}, {@code text_proj}, {@code temp}) and
     * the generation head of the other version (v1's text head in a v2 model and the reverse).
     */
    static final Predicate<String> KNOWN_UNUSED = Pattern.compile("^(pos_embed$|blocks\\.\\d+\\.|Qformer\\.cls\\."
            + "|Qformer\\.bert\\.embeddings\\.(word_embeddings|position_embeddings|position_ids)"
            + "|Qformer\\.bert\\.encoder\\.layer\\.\\d+\\.(intermediate|output)\\.|vision_proj\\.|text_proj\\.|temp$"
            + "|pos_embed_(image|text)$|blocks_(image|text)\\.|image_down\\.|distill_(image|text)_proj\\."
            + "|reverse_tokens|Reverse_Qformer(_text)?\\.)").asPredicate();

    private TokenizerWeights() {}

    /**
     * @param model the network to fill
     * @param modelDir the directory the config's file names are relative to
     * @param config lists the files
     * @param manager owns the loaded arrays
     * @throws CheckpointException if a file is unreadable, a weight has the wrong shape, or weights are
     *     missing (listed by name)
     */
    static void load(VisualTokenizerModel model, Path modelDir, TokenizerConfig config, NDManager manager) {
        Function<String, ComputeType> typeOf = typeOf(model, config.dtype());
        List<String> files = new ArrayList<>();
        for (TokenizerConfig.WeightFile file : config.weights()) {
            Path path = modelDir.resolve(file.file());
            files.add(path.toString());
            try (StateDict raw = StateDict.open(path)) {
                StateDict weights = file.prefix().isEmpty() ? raw : raw.withPrefix(file.prefix());
                LoadReport report = StateDictLoader.load(model, weights, manager, name -> true, typeOf,
                        KNOWN_UNUSED);
                LOG.debug("{}: {} weights loaded, {} keys not used by the tokenizer", path,
                        report.loaded().size(), report.unexpected().size());
            } catch (CheckpointException e) {
                // the readers name the file already; the loader's shape errors do not
                String message = e.getMessage() != null && e.getMessage().contains(path.toString()) ? e.getMessage()
                        : path + ": " + e.getMessage();
                throw new CheckpointException(message, e);
            }
        }
        requireComplete(model, String.join(", ", files));
    }

    /**
     * @param model the network to fill
     * @param weights every parameter under its reference name
     * @param manager owns the loaded arrays
     * @param dtype the compute type of the loaded weights
     * @throws CheckpointException if a weight has the wrong shape or weights are missing (listed by name)
     */
    static void load(VisualTokenizerModel model, StateDict weights, NDManager manager, ComputeType dtype) {
        StateDictLoader.load(model, weights, manager, name -> true, typeOf(model, dtype), KNOWN_UNUSED);
        requireComplete(model, "the given state dict");
    }

    /**
     * The type each parameter is loaded in: for {@link ComputeType#BFLOAT16}, the matrices of the linear layers
     * ({@link StateDictLoader#matricesIn}) except those of the causal Q-Former and the layers around the codebook,
     * which decide the nearest code ({@link VisualTokenizerModel#keepsFloat32}); float32 for everything else.
     */
    private static Function<String, ComputeType> typeOf(VisualTokenizerModel model, ComputeType dtype) {
        Function<String, ComputeType> matrices = StateDictLoader.matricesIn(model, dtype);
        return name -> VisualTokenizerModel.keepsFloat32(name) ? ComputeType.FLOAT32 : matrices.apply(name);
    }

    private static void requireComplete(VisualTokenizerModel model, String source) {
        List<String> missing = new ArrayList<>();
        Set<String> modules = new LinkedHashSet<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (!e.getValue().isInitialized()) {
                missing.add(e.getKey());
                modules.add(module(e.getKey()));
            }
        }
        if (!missing.isEmpty()) {
            String shown = String.join(", ", missing.subList(0, Math.min(SHOWN, missing.size())));
            String more = missing.size() > SHOWN ? ", ... (" + (missing.size() - SHOWN) + " more)" : "";
            throw new CheckpointException("weights missing for module(s) " + String.join(", ", modules) + " in "
                    + source + ": " + missing.size() + " parameter(s): " + shown + more);
        }
    }

    /** @return the top-level component a parameter belongs to, e.g. {@code visual_encoder} */
    private static String module(String name) {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }
}
