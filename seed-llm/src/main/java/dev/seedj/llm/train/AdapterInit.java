package dev.seedj.llm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.lora.LoraInjector;
import dev.seedj.llm.AdaptableLanguageModel;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.LoraConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The adapter a LoRA training run starts from, as PEFT's {@code get_peft_model} builds it: for each module the
 * config targets, {@code lora_A} ~ U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's {@code kaiming_uniform_(a=sqrt(5))})
 * and {@code lora_B} = 0, so that training starts from the base model's outputs; each {@code modules_to_save}
 * module becomes a trainable copy of the base module's weights. Tensors a given starting adapter already has are
 * taken from it instead (continuing to train a saved adapter, possibly adding saved modules to it).
 *
 * <p>Stateless and thread-safe.
 */
public final class AdapterInit {
    private static final String WEIGHT = ".weight";

    private AdapterInit() {}

    /**
     * @param base the model to adapt (without adapter), OPT or LLaMA
     * @param config what to train: rank, alpha, target modules, modules to save
     * @param start tensors to start from (e.g. a saved adapter), or null for a fresh adapter
     * @param seed seeds the {@code lora_A} initialisation
     * @return the starting adapter (the caller closes it)
     * @throws IllegalArgumentException if the config targets no module LoRA supports in this model, or saves a module it
     *     lacks
     */
    public static LoraAdapter initial(AdaptableLanguageModel<?> base, LoraConfig config, LoraAdapter start,
            long seed) {
        if (base.adapterConfig() != null) {
            throw new IllegalArgumentException("the base model already carries an adapter");
        }
        Map<String, Parameter> params = base.namedParameters();
        Map<String, LoraInjector.Site> sites = base.loraTargets(config);
        Random random = new Random(seed);
        try (NDManager scope = NDManager.newBaseManager(base.device())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (LoraInjector.Site site : sites.values()) {
                String module = site.module();
                Shape w = params.get(module + WEIGHT).getArray().getShape(); // [out, in]
                int rank = site.rank();
                String a = LoraAdapter.KEY_PREFIX + module + LoraAdapter.LORA_A;
                String bKey = LoraAdapter.KEY_PREFIX + module + LoraAdapter.LORA_B;
                tensors.put(a, fromStartOr(start, a, () -> kaimingUniform(random, rank, w.get(1), scope)));
                tensors.put(bKey, fromStartOr(start, bKey, () -> scope.zeros(new Shape(w.get(0), rank))));
            }
            Map<String, NDArray> saved = base.savedModuleWeights(config);
            saved.forEach((name, array) -> {
                String key = LoraAdapter.KEY_PREFIX + name;
                tensors.put(key, fromStartOr(start, key, () -> array));
            });
            if (!config.modulesToSave().isEmpty() && saved.isEmpty()) {
                throw new IllegalArgumentException("modules_to_save " + config.modulesToSave()
                        + " names no module of this model");
            }
            return LoraAdapter.of(config, tensors);
        }
    }

    private static NDArray fromStartOr(LoraAdapter start, String key, Supplier<NDArray> fresh) {
        return start != null && start.keys().contains(key) ? start.get(key) : fresh.get();
    }

    /** PyTorch's {@code kaiming_uniform_(w, a=sqrt(5))} on a [rows, fanIn] matrix: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
    private static NDArray kaimingUniform(Random random, int rows, long fanIn, NDManager manager) {
        double bound = 1 / Math.sqrt(fanIn);
        float[] v = new float[Math.toIntExact(rows * fanIn)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return manager.create(v, new Shape(rows, fanIn));
    }
}
