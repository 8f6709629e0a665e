package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.LoadReport;
import dev.seedj.core.nn.lora.LoraInjector;
import dev.seedj.core.nn.lora.LoraLinear;
import dev.seedj.llm.LlmDtype;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.LoraConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a PEFT LoRA adapter derives from a {@link LlamaModel}: the adapter's targets are resolved on the block
 * tree by the generic {@link LoraInjector} (LoRA on the seven projections, {@code lm_head} left out of
 * {@code "all-linear"}); a new network with those {@link LoraLinear} layers shares the base's unchanged arrays and
 * owns copies of the adapter's tensors ({@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight}, ...;
 * {@code base_model.model.<parameter>} for saved modules). Every key, module and shape is checked before anything
 * is built, so an adapter made for another model is refused with the base model untouched.
 *
 * <p>Stateless and thread-safe; the models involved must not be used concurrently while deriving.
 */
final class LlamaAdapters {
    /** The projections of a LLaMA layer a LoRA update can be applied to (PEFT's defaults for LLaMA are q and v). */
    static final List<String> SUPPORTED_TARGETS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    private static final Logger LOG = LoggerFactory.getLogger(LlamaAdapters.class);
    private static final LoraInjector INJECTOR =
            LoraInjector.create().withOutputLayer(LlamaForCausalLm.LM_HEAD).onlyOn(SUPPORTED_TARGETS);
    private static final String WHAT = "LLaMA model";

    private LlamaAdapters() {}

    /** @see LlamaModel#loraTargets(LoraConfig) */
    static Map<String, LoraInjector.Site> resolve(LlamaForCausalLm net, LoraConfig lora) {
        Map<String, LoraInjector.Site> sites = INJECTOR.resolve(net, lora);
        lora.requireListedTargets(net.namedBlocks().keySet(), WHAT);
        return sites;
    }

    /** @see LlamaModel#savedModuleWeights(LoraConfig) */
    static Map<String, NDArray> savedWeights(LlamaForCausalLm net, LoraConfig lora) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        LoraInjector.savedParameters(net, lora).forEach((name, p) -> out.put(name, p.getArray()));
        return out;
    }

    /** @see LlamaModel#withAdapter(LoraAdapter) */
    static LlamaModel withAdapter(LlamaModel base, LoraAdapter adapter) {
        LlamaForCausalLm baseNet = base.network();
        LoraConfig lora = adapter.config();
        Map<String, LoraInjector.Site> plan = resolve(baseNet, lora);
        if (base.config().tieWordEmbeddings() && !lora.modulesToSave().isEmpty()) {
            throw new IllegalArgumentException("modules_to_save " + lora.modulesToSave() + " on a LLaMA model with"
                    + " tied embeddings is not supported");
        }
        LlamaForCausalLm net = new LlamaForCausalLm(base.config());
        LoraInjector.inject(net, plan);
        Map<String, Shape> shapes = net.declaredShapes();
        Map<String, NDArray> baseArrays = new LinkedHashMap<>();
        baseNet.namedParameters().forEach((name, p) -> baseArrays.put(name, p.getArray()));
        // check every tensor of the adapter against this model before building anything
        Map<String, NDArray> fromAdapter = new LinkedHashMap<>();
        for (String key : adapter.keys()) {
            String name = key.substring(LoraAdapter.KEY_PREFIX.length());
            if (LoraInjector.isLoraKey(key)) {
                String module = name.substring(0, name.length() - LoraAdapter.LORA_A.length());
                if (!plan.containsKey(module)) {
                    throw new IllegalArgumentException("adapter tensor '" + key + "' belongs to '" + module
                            + "', which the adapter config does not target in this " + WHAT
                            + " (was the adapter made for another model?)");
                }
            } else if (!baseArrays.containsKey(name)) {
                throw new IllegalArgumentException("adapter tensor '" + key + "' matches no parameter of this " + WHAT
                        + " (was the adapter made for another model?)");
            }
            NDArray value = adapter.get(key);
            if (!value.getShape().equals(shapes.get(name))) {
                throw new IllegalArgumentException("adapter tensor '" + key + "' has shape " + value.getShape()
                        + " but this " + WHAT + " expects " + shapes.get(name)
                        + " (was the adapter made for another model size?)");
            }
            fromAdapter.put(name, value);
        }
        for (String module : plan.keySet()) {
            for (String suffix : List.of(LoraAdapter.LORA_A, LoraAdapter.LORA_B)) {
                if (!fromAdapter.containsKey(module + suffix)) {
                    throw new IllegalArgumentException("the adapter targets '" + module + "' but has no '"
                            + LoraAdapter.KEY_PREFIX + module + suffix + "'");
                }
            }
        }
        for (String module : lora.modulesToSave()) {
            boolean found = fromAdapter.keySet().stream().anyMatch(n -> !LoraInjector.isLoraKey(n)
                    && LoraConfig.savedBy(module, n.substring(0, n.lastIndexOf('.'))));
            if (!found) {
                throw new IllegalArgumentException("modules_to_save lists '" + module
                        + "' but the adapter file has no weights for it");
            }
        }
        NDManager m = base.manager().newSubManager();
        try {
            Map<String, NDArray> arrays = new LinkedHashMap<>(baseArrays);
            fromAdapter.forEach((name, value) -> arrays.put(name, ArrayScopes.adopt(value.duplicate(), m)));
            attach(net, arrays);
            LOG.info("applied a LoRA adapter to {} module(s) of a LLaMA model", plan.size());
            return new LlamaModel(m, base.config(), net, emptyReport(), LlmDtype.FLOAT32, base, lora);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** @see LlamaModel#merge() */
    static LlamaModel merge(LlamaModel adapted) {
        LlamaModel source = adapted.source();
        NDManager m = source.manager().newSubManager();
        try {
            LlamaForCausalLm plain = new LlamaForCausalLm(adapted.config());
            attach(plain, LoraInjector.mergedArrays(adapted.network(), plain.namedParameters().keySet(),
                    adapted.manager(), m));
            return new LlamaModel(m, adapted.config(), plain, emptyReport(), LlmDtype.FLOAT32, source, null);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** @see LlamaModel#adapter() */
    static LoraAdapter snapshot(LlamaForCausalLm net, LoraConfig lora) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        LoraInjector.adapterParameters(net, lora).forEach((key, p) -> tensors.put(key, p.getArray()));
        return LoraAdapter.of(lora, tensors);
    }

    private static void attach(LlamaForCausalLm net, Map<String, NDArray> arrays) {
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            NDArray a = arrays.get(e.getKey());
            if (a == null) {
                throw new IllegalStateException("no array for parameter '" + e.getKey() + "'");
            }
            e.getValue().setArray(a);
        }
    }

    private static LoadReport emptyReport() {
        return new LoadReport(List.of(), List.of(), List.of());
    }
}
