package dev.seedj.llm;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.core.nn.lora.LoraTargets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA {@code adapter_config.json}, with PEFT's rules for which modules an adapter targets.
 *
 * <p>Supported: {@code r}, {@code lora_alpha}, {@code use_rslora}, {@code target_modules} (a list matched
 * as whole names or dotted suffixes, a regular expression matched against whole names, or
 * {@code "all-linear"}), {@code exclude_modules}, {@code layers_to_transform} / {@code layers_pattern},
 * {@code rank_pattern} / {@code alpha_pattern}, {@code modules_to_save} and {@code ensure_weight_tying}.
 * {@code lora_dropout} is accepted and has no effect at inference. Features that would change the computation
 * in ways this library does not implement (DoRA, trained biases, {@code fan_in_fan_out}, LoRA biases,
 * initialisations that rewrite the base weights such as PiSSA, OLoRA, CorDA, LoRA-GA or LoftQ, trainable token
 * indices, layer replication, any LoRA variant configuration) are refused by name when the file is read.
 *
 * <p>Immutable and thread-safe.
 */
public final class LoraConfig implements LoraTargets {
    /** The six OPT projections a LoRA update can be applied to. */
    public static final List<String> SUPPORTED_TARGETS =
            List.of("q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2");

    private static final String ALL_LINEAR = "all-linear";
    private static final Set<String> BASE_REWRITING_INITS =
            Set.of("pissa", "olora", "corda", "loftq", "lora_ga");
    /** Sub-configurations that only steer training-time initialisation or runtime options. */
    private static final Set<String> HARMLESS_SUB_CONFIGS = Set.of("runtime_config", "eva_config", "corda_config");

    private final JsonObject json;
    private final int r;
    private final double loraAlpha;
    private final boolean useRslora;
    private final List<String> targetList;
    private final String targetRegex;
    private final List<String> excludeList;
    private final String excludeRegex;
    private final List<String> modulesToSave;
    private final Set<Integer> layersToTransform;
    private final List<String> layersPattern;
    private final Map<String, Integer> rankPattern;
    private final Map<String, Double> alphaPattern;
    private final boolean ensureWeightTying;

    private LoraConfig(JsonObject json) {
        this.json = json.deepCopy();
        ConfigValue o = ConfigValue.of(json);
        checkSupported(o);
        this.r = o.get("r").asInt();
        if (r <= 0) {
            throw o.get("r").error("must be positive, got " + r);
        }
        this.loraAlpha = o.get("lora_alpha").asDouble();
        this.useRslora = o.get("use_rslora").asBoolean(false);
        ConfigValue targets = o.get("target_modules");
        this.targetList = targets.isArray() ? targets.asList(ConfigValue::asString) : null;
        this.targetRegex = targets.isArray() ? null : targets.asString();
        ConfigValue excludes = o.get("exclude_modules");
        this.excludeList = !excludes.isPresent() ? List.of()
                : excludes.isArray() ? excludes.asList(ConfigValue::asString) : null;
        this.excludeRegex = excludes.isPresent() && !excludes.isArray() ? excludes.asString() : null;
        ConfigValue save = o.get("modules_to_save");
        this.modulesToSave = save.isPresent() ? save.asList(ConfigValue::asString) : List.of();
        this.layersToTransform = layerIndexes(o.get("layers_to_transform"));
        ConfigValue pattern = o.get("layers_pattern");
        this.layersPattern = !pattern.isPresent() ? List.of()
                : pattern.isArray() ? pattern.asList(ConfigValue::asString) : List.of(pattern.asString());
        this.rankPattern = o.get("rank_pattern").isObject() ? o.get("rank_pattern").asMap(ConfigValue::asInt) : Map.of();
        this.alphaPattern = o.get("alpha_pattern").isObject()
                ? o.get("alpha_pattern").asMap(ConfigValue::asDouble) : Map.of();
        this.ensureWeightTying = o.get("ensure_weight_tying").asBoolean(false);
    }

    /**
     * Reads an {@code adapter_config.json}.
     *
     * @param file the file
     * @return the config
     * @throws ConfigException naming the file and a missing or mistyped field or an unsupported feature
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public static LoraConfig load(Path file) {
        return ConfigValue.readFile(file, LoraConfig::fromJson);
    }

    /**
     * Parses the text of an {@code adapter_config.json}.
     *
     * @param text the JSON text
     * @return the config
     * @throws ConfigException naming a missing or mistyped field or an unsupported feature
     */
    public static LoraConfig parse(String text) {
        return fromJson(ConfigValue.parse(text));
    }

    private static LoraConfig fromJson(ConfigValue root) {
        if (!root.isObject()) {
            throw root.error("expected an object, got " + root.json());
        }
        return new LoraConfig(root.json().getAsJsonObject());
    }

    /**
     * A config for a new adapter, written with PEFT's field names.
     *
     * @param r the rank
     * @param loraAlpha the alpha (the update is scaled by alpha / r)
     * @param targetModules module names or suffixes, e.g. {@code q_proj}, {@code v_proj}
     * @param modulesToSave modules trained as full copies, e.g. {@code embed_tokens}; may be empty
     * @return the config
     */
    public static LoraConfig of(int r, double loraAlpha, List<String> targetModules, List<String> modulesToSave) {
        JsonObject o = new JsonObject();
        o.addProperty("peft_type", "LORA");
        o.addProperty("task_type", "CAUSAL_LM");
        o.addProperty("r", r);
        o.addProperty("lora_alpha", loraAlpha);
        o.addProperty("lora_dropout", 0.0);
        o.addProperty("bias", "none");
        o.addProperty("fan_in_fan_out", false);
        o.addProperty("use_rslora", false);
        o.addProperty("use_dora", false);
        o.addProperty("inference_mode", true);
        o.addProperty("init_lora_weights", true);
        JsonArray targets = new JsonArray();
        targetModules.forEach(targets::add);
        o.add("target_modules", targets);
        if (modulesToSave.isEmpty()) {
            o.add("modules_to_save", JsonNull.INSTANCE);
        } else {
            JsonArray save = new JsonArray();
            modulesToSave.forEach(save::add);
            o.add("modules_to_save", save);
        }
        return new LoraConfig(o);
    }

    /**
     * @param field a PEFT field name, e.g. {@code use_rslora}
     * @param value its new value
     * @return a copy of this config with one field replaced (checked again)
     */
    public LoraConfig with(String field, JsonElement value) {
        JsonObject copy = json.deepCopy();
        copy.add(field, value);
        return new LoraConfig(copy);
    }

    /** @return the config as PEFT writes it, with every field it was read with */
    public JsonObject toJson() {
        return json.deepCopy();
    }

    /** @return the default rank */
    public int r() {
        return r;
    }

    /** @return the default alpha */
    public double loraAlpha() {
        return loraAlpha;
    }

    /** @return whether the update is scaled by alpha / sqrt(r) instead of alpha / r */
    public boolean useRslora() {
        return useRslora;
    }

    /** @return the {@code modules_to_save} entries (possibly empty) */
    public List<String> modulesToSave() {
        return modulesToSave;
    }

    /**
     * Refuses an adapter made for another model family: every entry of an explicit {@code target_modules} list must
     * name a module of the model (as a whole name or a dotted suffix), e.g. OPT's {@code fc1} is refused on LLaMA.
     * A regular expression or {@code "all-linear"} is not checked.
     *
     * @param moduleNames the full names of the model's modules
     * @param model what the model is, for the message (e.g. {@code "LLaMA model"})
     * @throws IllegalArgumentException naming the listed modules the model lacks
     */
    public void requireListedTargets(Collection<String> moduleNames, String model) {
        if (targetList == null) {
            return;
        }
        List<String> missing = new ArrayList<>();
        for (String target : targetList) {
            if (moduleNames.stream().noneMatch(n -> n.equals(target) || n.endsWith("." + target))) {
                missing.add(target);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the adapter's target_modules list " + missing + ", which this " + model
                    + " does not have: the adapter was made for another model");
        }
    }

    /** @return PEFT's {@code ensure_weight_tying}: a saved copy of a tied matrix serves both embeddings and head */
    public boolean ensureWeightTying() {
        return ensureWeightTying;
    }

    /**
     * @param moduleName full module name, e.g. {@code model.decoder.layers.0.self_attn.q_proj}
     * @return the rank used for that module ({@code rank_pattern} or {@code r})
     */
    public int rank(String moduleName) {
        String key = patternKey(rankPattern.keySet(), moduleName);
        return key == null ? r : rankPattern.get(key);
    }

    /**
     * @param moduleName full module name
     * @return the factor applied to that module's update
     */
    public float scaling(String moduleName) {
        String key = patternKey(alphaPattern.keySet(), moduleName);
        double alpha = key == null ? loraAlpha : alphaPattern.get(key);
        int rank = rank(moduleName);
        return (float) (useRslora ? alpha / Math.sqrt(rank) : alpha / rank);
    }

    /**
     * PEFT's {@code check_target_module_exists}: whether a module gets a LoRA update.
     *
     * @param moduleName full module name
     * @param linearModuleSuffixes the last name component of every linear layer except the output head
     *     (what {@code "all-linear"} expands to)
     * @return true if targeted
     */
    public boolean targets(String moduleName, Set<String> linearModuleSuffixes) {
        if (isExcluded(moduleName) || isSaved(moduleName)) {
            return false;
        }
        if (targetRegex != null && !targetRegex.toLowerCase(Locale.ROOT).equals(ALL_LINEAR)) {
            return Pattern.compile(targetRegex).matcher(moduleName).matches();
        }
        List<String> list = targetRegex == null ? targetList : new ArrayList<>(linearModuleSuffixes);
        if (list.contains(moduleName)) {
            return true;
        }
        boolean found = list.stream().anyMatch(t -> moduleName.endsWith("." + t));
        if (found && layersToTransform != null) {
            Integer layer = layerIndex(moduleName);
            return layer != null && layersToTransform.contains(layer);
        }
        return found;
    }

    /**
     * @param moduleName full module name
     * @return true if a {@code modules_to_save} entry names this module (or one of its parents)
     */
    public boolean isSaved(String moduleName) {
        return modulesToSave.stream().anyMatch(entry -> savedBy(entry, moduleName));
    }

    /**
     * @param entry a {@code modules_to_save} entry, e.g. {@code embed_tokens}
     * @param moduleName full module name
     * @return true if the entry names this module or one of its parents (PEFT's rule)
     */
    public static boolean savedBy(String entry, String moduleName) {
        return Pattern.compile("(^|.*\\.)" + Pattern.quote(entry) + "($|\\..*)").matcher(moduleName).matches();
    }

    private boolean isExcluded(String moduleName) {
        if (excludeRegex != null) {
            return Pattern.compile(excludeRegex).matcher(moduleName).matches();
        }
        return excludeList.contains(moduleName) || excludeList.stream().anyMatch(e -> moduleName.endsWith("." + e));
    }

    private Integer layerIndex(String moduleName) {
        List<String> patterns = layersPattern.isEmpty() ? List.of("[^.]*") : layersPattern;
        for (String p : patterns) {
            Matcher m = Pattern.compile(".*?\\." + p + "\\.(\\d+)\\..*").matcher(moduleName);
            if (m.matches()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return null;
    }

    private static String patternKey(Set<String> keys, String moduleName) {
        for (String k : keys) {
            if (Pattern.compile("(.*\\.)?(" + k + ")").matcher(moduleName).matches()) {
                return k;
            }
        }
        return null;
    }

    private static void checkSupported(ConfigValue o) {
        ConfigValue type = o.get("peft_type");
        if (!"LORA".equals(type.asString())) {
            throw type.error("'" + type.asString() + "' is not supported (only LORA)");
        }
        ConfigValue task = o.get("task_type");
        if (!"CAUSAL_LM".equals(task.asString("CAUSAL_LM"))) {
            throw task.error("'" + task.asString() + "' is not supported (only CAUSAL_LM)");
        }
        ConfigValue bias = o.get("bias");
        if (!"none".equals(bias.asString("none"))) {
            throw bias.error("'" + bias.asString() + "' is not supported (only 'none')");
        }
        for (String flag : List.of("use_dora", "fan_in_fan_out", "lora_bias", "use_qalora")) {
            if (o.get(flag).asBoolean(false)) {
                throw o.get(flag).error("true is not supported");
            }
        }
        ConfigValue init = o.get("init_lora_weights");
        if (init.isString()) {
            String name = init.asString().toLowerCase(Locale.ROOT);
            if (BASE_REWRITING_INITS.stream().anyMatch(name::startsWith)) {
                throw init.error("'" + init.asString() + "' is not supported: that initialisation rewrites the base"
                        + " weights");
            }
        }
        for (String field : List.of("target_parameters", "trainable_token_indices", "layer_replication",
                "megatron_config", "alora_invocation_tokens", "use_bdlora", "arrow_config")) {
            if (isSet(o.get(field))) {
                throw o.get(field).error("is not supported");
            }
        }
        if (isSet(o.get("loftq_config"))) {
            throw o.get("loftq_config").error("is not supported: LoftQ rewrites the base weights");
        }
        for (String key : o.keys()) {
            if (key.endsWith("_config") && !HARMLESS_SUB_CONFIGS.contains(key) && isSet(o.get(key))) {
                throw o.get(key).error("a LoRA variant, is not supported");
            }
        }
    }

    private static boolean isSet(ConfigValue v) {
        JsonElement e = v.json();
        if (e == null) {
            return false;
        }
        if (e.isJsonArray()) {
            return !e.getAsJsonArray().isEmpty();
        }
        if (e.isJsonObject()) {
            return !e.getAsJsonObject().isEmpty();
        }
        if (e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        return true;
    }

    private static Set<Integer> layerIndexes(ConfigValue v) {
        if (!v.isPresent()) {
            return null;
        }
        if (v.isArray()) {
            List<Integer> layers = v.asList(ConfigValue::asInt);
            return layers.isEmpty() ? null : Collections.unmodifiableSet(new LinkedHashSet<>(layers));
        }
        return Set.of(v.asInt());
    }

    @Override
    public String toString() {
        return "LoraConfig" + json;
    }
}
