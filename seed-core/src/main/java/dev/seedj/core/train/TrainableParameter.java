package dev.seedj.core.train;

import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One parameter to train, under its state-dict name, with its weight-decay group.
 *
 * <p>Immutable (the parameter's array itself is mutated by training); thread-safe.
 *
 * @param name the full dotted state-dict name, e.g. {@code blocks.0.attn.qkv.weight}; names checkpoint entries
 * @param parameter the DJL parameter; its array must be attached before training
 * @param weightDecay whether AdamW's decoupled weight decay applies to it (false: the no-decay group)
 */
public record TrainableParameter(String name, Parameter parameter, boolean weightDecay) {

    /**
     * Checks the components.
     *
     * @param name the full dotted state-dict name, e.g. {@code blocks.0.attn.qkv.weight}; names checkpoint entries
     * @param parameter the DJL parameter; its array must be attached before training
     * @param weightDecay whether AdamW's decoupled weight decay applies to it (false: the no-decay group)
     */
    public TrainableParameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(parameter, "parameter");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a trainable parameter needs a non-empty name");
        }
    }

    /**
     * Groups parameters as LAVIS's {@code RunnerBase.optimizer} does: no weight decay for parameters with fewer
     * than 2 dimensions or whose name contains {@code bias}, {@code ln} or {@code bn}; decay for all others.
     *
     * @param named parameters by state-dict name, arrays attached (their shapes decide the dimension test)
     * @return one entry per parameter, in the map's order
     */
    public static List<TrainableParameter> lavisGroups(Map<String, Parameter> named) {
        List<TrainableParameter> out = new ArrayList<>(named.size());
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            String n = e.getKey();
            int ndim = requireArray(n, e.getValue()).getArray().getShape().dimension();
            boolean noDecay = ndim < 2 || n.contains("bias") || n.contains("ln") || n.contains("bn");
            out.add(new TrainableParameter(n, e.getValue(), !noDecay));
        }
        return out;
    }

    /**
     * Puts every parameter in the decay group, as a plain {@code torch.optim.AdamW(model.parameters())} does
     * (and as the oracle's {@code step1.*} tensors were made).
     *
     * @param named parameters by state-dict name
     * @return one entry per parameter, in the map's order
     */
    public static List<TrainableParameter> allDecayed(Map<String, Parameter> named) {
        List<TrainableParameter> out = new ArrayList<>(named.size());
        named.forEach((n, p) -> out.add(new TrainableParameter(n, p, true)));
        return out;
    }

    private static Parameter requireArray(String name, Parameter p) {
        if (!p.isInitialized()) {
            throw new IllegalArgumentException("parameter '" + name + "' has no array yet; load or initialise the"
                    + " model before choosing what to train");
        }
        return p;
    }
}
