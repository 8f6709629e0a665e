package dev.seedj.llm;

import dev.seedj.core.nn.Linear;

/**
 * Creates the linear layers of an OPT network by their full state-dict module name, so that a model with a
 * LoRA adapter can put a {@link LoraLinear} where the adapter targets a module and a plain {@link Linear}
 * everywhere else.
 *
 * <p>Implementations are used while a network is built, from one thread.
 */
@FunctionalInterface
interface LinearFactory {
    /**
     * @param moduleName full module name, e.g. {@code model.decoder.layers.0.self_attn.q_proj}
     * @param in input width
     * @param out output width
     * @param bias whether the layer has a bias
     * @return the layer
     */
    Linear create(String moduleName, long in, long out, boolean bias);

    /** Plain {@link Linear} layers everywhere. */
    LinearFactory PLAIN = (name, in, out, bias) -> new Linear(in, out, bias);
}
