package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.lora.LoraInjector;
import dev.seedj.core.nn.lora.LoraLinear;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a LoRA adapter derives from an {@link OptModel}, as PEFT builds them: the adapter's targets are
 * resolved on the block tree by the generic {@link LoraInjector} (LoRA on OPT's six projections, {@code lm_head}
 * left out of {@code "all-linear"}), a new network with those {@link LoraLinear} layers shares the base's
 * unchanged arrays and owns copies of the adapter's tensors; {@link #merge} folds the factors into a plain model.
 *
 * <p>Stateless and thread-safe; the models involved must not be used concurrently while deriving.
 */
final class OptAdapters {
    private static final Logger LOG = LoggerFactory.getLogger(OptAdapters.class);
    /** OPT supports LoRA on its six projections; {@code lm_head} is the output layer. */
    private static final LoraInjector INJECTOR =
            LoraInjector.create().withOutputLayer(OptForCausalLm.LM_HEAD).onlyOn(LoraConfig.SUPPORTED_TARGETS);

    private OptAdapters() {}

    /**
     * @param net an OPT network
     * @param lora an adapter config
     * @return the modules the adapter wraps in it
     */
    static Map<String, LoraInjector.Site> resolve(OptForCausalLm net, LoraConfig lora) {
        Map<String, LoraInjector.Site> sites = INJECTOR.resolve(net, lora);
        lora.requireListedTargets(net.namedBlocks().keySet(), "OPT model");
        return sites;
    }

    /**
     * @param lora an adapter config
     * @param config an architecture
     * @return the modules the adapter wraps in a model of that architecture
     */
    static Map<String, LoraInjector.Site> resolve(LoraConfig lora, OptConfig config) {
        return resolve(new OptForCausalLm(config, !config.tieWordEmbeddings()), lora);
    }

    /** @see OptModel#savedModuleWeights(LoraConfig) */
    static Map<String, NDArray> savedWeights(OptForCausalLm net, LoraConfig lora) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        LoraInjector.savedParameters(net, lora).forEach((name, p) -> out.put(name, p.getArray()));
        if (!net.hasSeparateLmHead() && lora.isSaved(OptForCausalLm.LM_HEAD)) {
            out.put(net.lmHeadKey(), net.namedParameters().get(net.embedTokensKey()).getArray()); // the tied matrix
        }
        return out;
    }

    /** @see OptModel#withAdapter(LoraAdapter, boolean) */
    static OptModel withAdapter(OptModel base, LoraAdapter adapter, boolean ensureWeightTying) {
        OptForCausalLm net = base.network();
        LoraConfig lora = adapter.config();
        Map<String, LoraInjector.Site> plan = resolve(net, lora);
        String embedKey = net.embedTokensKey();
        String headKey = net.lmHeadKey();
        Map<String, NDArray> baseArrays = OptCheckpoints.arrays(net);
        Map<String, NDArray> loraTensors = new LinkedHashMap<>();
        Map<String, NDArray> overrides = new LinkedHashMap<>();
        for (String key : adapter.keys()) {
            String name = key.substring(LoraAdapter.KEY_PREFIX.length());
            NDArray value = adapter.get(key);
            if (LoraInjector.isLoraKey(key)) {
                String module = name.substring(0, name.length() - LoraAdapter.LORA_A.length());
                if (!plan.containsKey(module)) {
                    throw new IllegalArgumentException("adapter tensor '" + key + "' belongs to '" + module
                            + "', which the adapter config does not target in this OPT model (was the adapter"
                            + " made for another model?)");
                }
                loraTensors.put(name, value);
            } else {
                if (!baseArrays.containsKey(name) && !name.equals(headKey)) {
                    throw new IllegalArgumentException("adapter tensor '" + key
                            + "' matches no parameter of this OPT model (was the adapter made for another model?)");
                }
                overrides.put(name, value);
            }
        }
        for (String module : lora.modulesToSave()) {
            boolean found = overrides.keySet().stream()
                    .anyMatch(n -> LoraConfig.savedBy(module, n.substring(0, n.lastIndexOf('.'))));
            if (!found) {
                throw new IllegalArgumentException("modules_to_save lists '" + module
                        + "' but the adapter file has no weights for it");
            }
        }
        boolean tied = !net.hasSeparateLmHead();
        NDArray embedOverride = overrides.remove(embedKey);
        NDArray headOverride = overrides.remove(headKey);
        boolean separate = !tied || (!ensureWeightTying && (embedOverride != null || headOverride != null));
        OptConfig derivedConfig = base.config().withTiedEmbeddings(!separate);
        NDManager m = base.manager().newSubManager();
        try {
            OptModel model = new OptModel(m, base, derivedConfig, separate, lora, plan);
            Map<String, Shape> shapes = model.network().declaredShapes();
            Map<String, NDArray> arrays = new LinkedHashMap<>(baseArrays);
            NDArray baseHead = tied ? baseArrays.get(embedKey) : baseArrays.get(headKey);
            if (tied && ensureWeightTying) {
                NDArray shared = embedOverride != null ? embedOverride : headOverride;
                if (shared != null) {
                    arrays.put(embedKey, copyChecked(embedKey, shared, shapes, model, net));
                }
            } else {
                arrays.put(embedKey, embedOverride == null
                        ? baseArrays.get(embedKey)
                        : copyChecked(embedKey, embedOverride, shapes, model, net));
                if (separate) {
                    arrays.put(headKey, headOverride == null
                            ? baseHead
                            : copyChecked(headKey, headOverride, shapes, model, net));
                }
            }
            for (Map.Entry<String, NDArray> e : overrides.entrySet()) {
                arrays.put(e.getKey(), copyChecked(e.getKey(), e.getValue(), shapes, model, net));
            }
            for (String module : plan.keySet()) {
                for (String suffix : List.of(LoraAdapter.LORA_A, LoraAdapter.LORA_B)) {
                    String name = module + suffix;
                    NDArray value = loraTensors.get(name);
                    if (value == null) {
                        throw new IllegalArgumentException("the adapter targets '" + module + "' but has no '"
                                + LoraAdapter.KEY_PREFIX + name + "'");
                    }
                    arrays.put(name, copyChecked(name, value, shapes, model, net));
                }
            }
            OptCheckpoints.attach(model.network(), arrays);
            base.addDerived(model);
            LOG.info("applied a LoRA adapter to {} module(s){}", plan.size(),
                    separate && tied ? "; lm_head keeps the base embedding matrix (tied pair split)" : "");
            return model;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static NDArray copyChecked(String name, NDArray value, Map<String, Shape> shapes, OptModel owner,
            OptForCausalLm base) {
        Shape expected = shapes.get(name);
        if (!value.getShape().equals(expected)) {
            String hint = name.equals(base.embedTokensKey()) || name.equals(base.lmHeadKey())
                    ? " (a vocabulary of " + value.getShape().get(0) + " rows: resizeTokenEmbeddings("
                            + value.getShape().get(0) + ") the base model first if it was resized for training)"
                    : " (was the adapter made for another model size?)";
            throw new IllegalArgumentException("adapter tensor '" + LoraAdapter.KEY_PREFIX + name + "' has shape "
                    + value.getShape() + " but this model expects " + expected + hint);
        }
        return ArrayScopes.adopt(value.duplicate(), owner.manager());
    }

    /** @see OptModel#merge() */
    static OptModel merge(OptModel adapted) {
        OptForCausalLm net = adapted.network();
        OptModel source = adapted.source();
        NDManager m = source.manager().newSubManager();
        try {
            OptModel merged = new OptModel(m, source, adapted.config(), net.hasSeparateLmHead(), null, Map.of());
            OptCheckpoints.attach(merged.network(), LoraInjector.mergedArrays(net,
                    merged.network().namedParameters().keySet(), adapted.manager(), m));
            source.addDerived(merged);
            return merged;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** @see OptModel#adapter() */
    static LoraAdapter snapshot(OptModel adapted) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        trainable(adapted).forEach((key, p) -> tensors.put(key, p.getArray()));
        return LoraAdapter.of(adapted.adapterConfig(), tensors);
    }

    /**
     * The adapter's parameters: every LoRA factor, and the weights the adapted model owns in place of the
     * base's (its saved modules).
     *
     * @param model a model
     * @return adapter-file key -> parameter, in tree order (empty without adapter)
     */
    static Map<String, Parameter> trainable(OptModel model) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        if (model.adapterConfig() == null) {
            return out;
        }
        model.network().namedParameters().forEach((name, p) -> {
            if (LoraInjector.isLoraKey(name) || p.getArray().getManager() == model.manager()) {
                out.put(LoraInjector.KEY_PREFIX + name, p);
            }
        });
        return out;
    }
}
