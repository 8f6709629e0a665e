package dev.seedj.core.nn.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a LoRA adapter's rules to a block tree as PEFT's {@code inject_adapter} does: walks
 * {@link SeedBlock#namedBlocks()} (PEFT's {@code named_modules()}), asks {@link LoraTargets} which full names
 * are targeted, and swaps each targeted {@link Linear} for a {@link LoraLinear} with the module's rank and
 * scaling ({@link SeedBlock#replaceChild}). The adapter's parameters then carry PEFT's adapter-file keys:
 * {@code base_model.model.<module>.lora_A.weight} / {@code .lora_B.weight}, and {@code base_model.model.<name>}
 * for the parameters of {@code modules_to_save}.
 *
 * <pre>{@code
 * LoraInjector injector = LoraInjector.create().withOutputLayer("lm_head");
 * Map<String, LoraInjector.Site> sites = injector.resolve(model, adapterConfig); // full name -> rank, scaling
 * LoraInjector.inject(model, sites);                                       // Linear -> LoraLinear in place
 * Map<String, Parameter> trainable = LoraInjector.adapterParameters(model, adapterConfig);
 * }</pre>
 *
 * <p>A block's {@code forward} must run its {@link Linear} children through their {@code forward} methods (not
 * read their weights directly), so that a swapped-in layer's update is applied.
 *
 * <p>Immutable and thread-safe; the tree being injected must not be used concurrently.
 */
public final class LoraInjector {
    /** Every adapter-file key starts with this (PEFT's {@code PeftModel} wrapping of the base model). */
    public static final String KEY_PREFIX = "base_model.model.";
    /** Suffix of a LoRA down-projection key. */
    public static final String LORA_A = ".lora_A.weight";
    /** Suffix of a LoRA up-projection key. */
    public static final String LORA_B = ".lora_B.weight";

    /**
     * One module an adapter wraps.
     *
     * @param module its full name
     * @param rank the LoRA rank r
     * @param scaling the update's factor
     */
    public record Site(String module, int rank, float scaling) {}

    private final Set<String> outputLayers;
    private final Set<String> supportedLeaves;

    private LoraInjector(Set<String> outputLayers, Set<String> supportedLeaves) {
        this.outputLayers = Set.copyOf(outputLayers);
        this.supportedLeaves = supportedLeaves == null ? null : Collections.unmodifiableSet(supportedLeaves);
    }

    /** @return an injector that can wrap every {@link Linear} of a tree */
    public static LoraInjector create() {
        return new LoraInjector(Set.of(), null);
    }

    /**
     * @param moduleName the full name of the model's output layer (e.g. {@code lm_head}), which PEFT's
     *     {@code "all-linear"} leaves out
     * @return a copy of this injector that knows it
     */
    public LoraInjector withOutputLayer(String moduleName) {
        Set<String> out = new LinkedHashSet<>(outputLayers);
        out.add(moduleName);
        return new LoraInjector(out, supportedLeaves);
    }

    /**
     * @param leafNames the last name components of the layers a model supports LoRA on (e.g. OPT's six
     *     projections); targeting any other module is refused by name
     * @return a copy of this injector restricted to them
     */
    public LoraInjector onlyOn(Collection<String> leafNames) {
        return new LoraInjector(outputLayers, new LinkedHashSet<>(leafNames));
    }

    /**
     * Which modules of {@code root} an adapter wraps, with their rank and scaling.
     *
     * @param root the model
     * @param targets the adapter's rules
     * @return full module name -> site, in tree order
     * @throws IllegalArgumentException if a targeted module is not a supported linear layer, or nothing matches
     */
    public Map<String, Site> resolve(SeedBlock root, LoraTargets targets) {
        Map<String, SeedBlock> blocks = root.namedBlocks();
        Set<String> linearLeaves = new LinkedHashSet<>();
        blocks.forEach((name, block) -> {
            if (block instanceof Linear && !outputLayers.contains(name)) {
                linearLeaves.add(leaf(name));
            }
        });
        Map<String, Site> out = new LinkedHashMap<>();
        for (Map.Entry<String, SeedBlock> e : blocks.entrySet()) {
            String name = e.getKey();
            if (!targets.targets(name, linearLeaves)) {
                continue;
            }
            if (!(e.getValue() instanceof Linear) || e.getValue() instanceof LoraLinear || !isSupported(name)) {
                throw new IllegalArgumentException("the adapter targets '" + name + "': LoRA is supported only on "
                        + (supportedLeaves == null ? "linear layers" : String.join(", ", supportedLeaves)));
            }
            out.put(name, new Site(name, targets.rank(name), targets.scaling(name)));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the adapter's target_modules match no module of this "
                    + root.getClass().getSimpleName());
        }
        return out;
    }

    /**
     * Swaps every site's {@link Linear} for a {@link LoraLinear} that shares its weight and bias arrays.
     *
     * @param root the model
     * @param sites from {@link #resolve}
     * @return full module name -> the new layer
     */
    public static Map<String, LoraLinear> inject(SeedBlock root, Map<String, Site> sites) {
        Map<String, LoraLinear> out = new LinkedHashMap<>();
        for (Site site : sites.values()) {
            String name = site.module();
            int dot = name.lastIndexOf('.');
            SeedBlock parent = root;
            String childName = name;
            // the parent is the deepest block whose full name prefixes this one (declared names may contain dots)
            Map<String, SeedBlock> blocks = root.namedBlocks();
            for (int i = dot; i > 0; i = name.lastIndexOf('.', i - 1)) {
                SeedBlock candidate = blocks.get(name.substring(0, i));
                if (candidate != null && candidate.namedChildren().containsKey(name.substring(i + 1))) {
                    parent = candidate;
                    childName = name.substring(i + 1);
                    break;
                }
            }
            if (!(parent.namedChildren().get(childName) instanceof Linear base)) {
                throw new IllegalArgumentException("'" + name + "' is not a linear layer of "
                        + root.getClass().getSimpleName());
            }
            LoraLinear lora = LoraLinear.wrapping(base, site.rank(), site.scaling());
            parent.replaceChild(childName, lora);
            out.put(name, lora);
        }
        return out;
    }

    /**
     * The parameters of the modules an adapter saves in full ({@code modules_to_save}).
     *
     * @param root the model
     * @param targets the adapter's rules
     * @return full parameter name -> parameter, in tree order
     */
    public static Map<String, Parameter> savedParameters(SeedBlock root, LoraTargets targets) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        root.namedParameters().forEach((name, p) -> {
            int dot = name.lastIndexOf('.');
            if (dot > 0 && targets.isSaved(name.substring(0, dot))) {
                out.put(name, p);
            }
        });
        return out;
    }

    /**
     * The adapter's parameters under PEFT's adapter-file keys: every LoRA factor, and the parameters of the
     * saved modules.
     *
     * @param root an injected model
     * @param targets the adapter's rules
     * @return adapter-file key -> parameter, in tree order
     */
    public static Map<String, Parameter> adapterParameters(SeedBlock root, LoraTargets targets) {
        Map<String, Parameter> saved = savedParameters(root, targets);
        Map<String, Parameter> out = new LinkedHashMap<>();
        root.namedParameters().forEach((name, p) -> {
            if (isLoraKey(name) || saved.containsKey(name)) {
                out.put(KEY_PREFIX + name, p);
            }
        });
        return out;
    }

    /**
     * Folds every LoRA update of the tree into merged weights ({@link LoraLinear#merge}).
     *
     * @param root an injected model
     * @param manager owns the merged weights
     */
    public static void merge(SeedBlock root, NDManager manager) {
        loraLayers(root).forEach(l -> l.merge(manager));
    }

    /**
     * Undoes {@link #merge}.
     *
     * @param root an injected model
     */
    public static void unmerge(SeedBlock root) {
        loraLayers(root).forEach(LoraLinear::unmerge);
    }

    /**
     * @param root a model
     * @return every {@link LoraLinear} of the tree
     */
    public static List<LoraLinear> loraLayers(SeedBlock root) {
        return root.namedBlocks().values().stream()
                .filter(LoraLinear.class::isInstance).map(LoraLinear.class::cast).toList();
    }

    /**
     * The parameter arrays of a plain copy of an adapted tree, as PEFT's {@code merge_and_unload} makes them: each
     * LoRA layer's weight folded into a new array ({@code W + scaling * B A}), a module the adapter saved (an array
     * owned by {@code adapterOwner}) copied, every other array (the base's) shared as it is.
     *
     * @param adapted a tree with LoRA layers
     * @param plainNames the parameter names of the plain tree (the adapted tree's names without the LoRA factors)
     * @param adapterOwner the manager of the arrays the adapted tree owns in place of the base's
     * @param target owns the new arrays
     * @return parameter name -> array, in the order of {@code plainNames}
     */
    public static Map<String, NDArray> mergedArrays(SeedBlock adapted, Collection<String> plainNames,
            NDManager adapterOwner, NDManager target) {
        Map<String, Parameter> params = adapted.namedParameters();
        Map<String, LoraLinear> loraLayers = new LinkedHashMap<>();
        adapted.namedBlocks().forEach((name, block) -> {
            if (block instanceof LoraLinear l) {
                loraLayers.put(name, l);
            }
        });
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (String name : plainNames) {
            NDArray current = params.get(name).getArray();
            LoraLinear lora = loraLayers.get(name.substring(0, name.lastIndexOf('.')));
            if (lora != null && name.endsWith(".weight")) {
                arrays.put(name, lora.mergedWeight(target)); // W + scaling * B A
            } else if (current.getManager() == adapterOwner) {
                arrays.put(name, ArrayScopes.adopt(current.duplicate(), target)); // a saved module of the adapter
            } else {
                arrays.put(name, current);
            }
        }
        return arrays;
    }

    /**
     * @param name a parameter name or adapter-file key
     * @return true if it names a LoRA factor ({@code lora_A} or {@code lora_B})
     */
    public static boolean isLoraKey(String name) {
        return name.endsWith(LORA_A) || name.endsWith(LORA_B);
    }

    private boolean isSupported(String name) {
        return supportedLeaves == null || supportedLeaves.contains(leaf(name));
    }

    private static String leaf(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
