package dev.seedj.llm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The module names of a Hugging Face {@code OPTForCausalLM} with a given config, as
 * {@code model.named_modules()} lists them, and PEFT's resolution of an adapter config against them: which
 * modules get a LoRA update, with which rank and scaling.
 *
 * <p>Stateless and thread-safe.
 */
final class OptModules {
    private OptModules() {}

    /** The rank and scaling of one LoRA-adapted module. */
    record LoraSpec(int rank, float scaling) {}

    /**
     * @param config the architecture
     * @return every module name, parents before children
     */
    static List<String> names(OptConfig config) {
        List<String> out = new ArrayList<>();
        String d = OptDecoder.PREFIX;
        out.add("model");
        out.add(d);
        out.add(d + ".embed_tokens");
        out.add(d + ".embed_positions");
        if (config.hasProjections()) {
            out.add(d + ".project_out");
            out.add(d + ".project_in");
        }
        if (config.hasFinalLayerNorm()) {
            out.add(d + ".final_layer_norm");
        }
        out.add(d + ".layers");
        for (int i = 0; i < config.numLayers(); i++) {
            String l = d + ".layers." + i;
            out.add(l);
            out.add(l + ".self_attn");
            for (String p : List.of("k_proj", "v_proj", "q_proj", "out_proj")) {
                out.add(l + ".self_attn." + p);
            }
            out.add(l + ".activation_fn");
            out.add(l + ".self_attn_layer_norm");
            out.add(l + ".fc1");
            out.add(l + ".fc2");
            out.add(l + ".final_layer_norm");
        }
        out.add("lm_head");
        return out;
    }

    /**
     * @param config the architecture
     * @return the last name component of every linear layer except the output head (PEFT's "all-linear")
     */
    static Set<String> linearSuffixes(OptConfig config) {
        Set<String> out = new LinkedHashSet<>(LoraConfig.SUPPORTED_TARGETS);
        if (config.hasProjections()) {
            out.add("project_in");
            out.add("project_out");
        }
        return out;
    }

    /**
     * Resolves which modules an adapter targets.
     *
     * @param lora the adapter config
     * @param config the model architecture
     * @return module name -> rank and scaling, in module order
     * @throws IllegalArgumentException if the adapter targets a module type LoRA is not supported on, or
     *     matches no module at all
     */
    static Map<String, LoraSpec> resolve(LoraConfig lora, OptConfig config) {
        Set<String> linear = linearSuffixes(config);
        Map<String, LoraSpec> out = new LinkedHashMap<>();
        for (String name : names(config)) {
            if (!lora.targets(name, linear)) {
                continue;
            }
            String leaf = name.substring(name.lastIndexOf('.') + 1);
            if (!LoraConfig.SUPPORTED_TARGETS.contains(leaf)) {
                throw new IllegalArgumentException("the adapter targets '" + name + "': LoRA is supported only on "
                        + String.join(", ", LoraConfig.SUPPORTED_TARGETS));
            }
            out.put(name, new LoraSpec(lora.rank(name), lora.scaling(name)));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the adapter's target_modules match no module of this OPT model");
        }
        return out;
    }
}
