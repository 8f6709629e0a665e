package dev.seedj.core.nn.lora;

import java.util.Set;

/**
 * PEFT's rules of one adapter config for which modules a LoRA adapter touches, on full module names such as
 * {@code model.decoder.layers.0.self_attn.q_proj}. A PEFT {@code adapter_config.json} reader implements them
 * ({@code target_modules} as whole names, dotted suffixes or a full-match regex, {@code exclude_modules},
 * {@code layers_to_transform} / {@code layers_pattern}, {@code rank_pattern} / {@code alpha_pattern},
 * {@code modules_to_save}); {@link LoraInjector} applies them to a block tree.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface LoraTargets {

    /**
     * PEFT's {@code check_target_module_exists}.
     *
     * @param moduleName full module name
     * @param linearLeafNames the last name component of every linear layer except the output head (what
     *     {@code "all-linear"} expands to)
     * @return true if the module gets a LoRA update
     */
    boolean targets(String moduleName, Set<String> linearLeafNames);

    /**
     * @param moduleName full module name
     * @return true if a {@code modules_to_save} entry names this module or one of its parents
     */
    boolean isSaved(String moduleName);

    /**
     * @param moduleName full module name of a targeted module
     * @return its LoRA rank r
     */
    int rank(String moduleName);

    /**
     * @param moduleName full module name of a targeted module
     * @return the factor its update is scaled by ({@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA)
     */
    float scaling(String moduleName);
}
