package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.lora.LoraInjector;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A PEFT LoRA adapter: its {@link LoraConfig} and its tensors under PEFT's adapter-file keys,
 * {@code base_model.model.<module>.lora_A.weight} / {@code .lora_B.weight} for the low-rank updates and
 * {@code base_model.model.<parameter>} for full copies of saved modules ({@code modules_to_save}, e.g. a
 * resized {@code model.decoder.embed_tokens.weight}).
 *
 * <p>{@link #load} reads {@code adapter_config.json} plus {@code adapter_model.safetensors} (preferred) or
 * {@code adapter_model.bin}; {@link #save} writes {@code adapter_config.json} and
 * {@code adapter_model.safetensors}. Tensors are float32 in the adapter's own NDManager; an adapter can be
 * closed as soon as it has been applied ({@link OptModel#withAdapter} copies what it uses).
 *
 * <p>Immutable once built; reads may run concurrently, {@link #close()} must not race with them.
 */
public final class LoraAdapter implements AutoCloseable {
    /** Every adapter-file key starts with this (PEFT's {@code PeftModelForCausalLM} wrapping). */
    public static final String KEY_PREFIX = LoraInjector.KEY_PREFIX;
    /** Suffix of a LoRA down-projection key. */
    public static final String LORA_A = LoraInjector.LORA_A;
    /** Suffix of a LoRA up-projection key. */
    public static final String LORA_B = LoraInjector.LORA_B;

    private static final String CONFIG_FILE = "adapter_config.json";
    private static final String SAFETENSORS_FILE = "adapter_model.safetensors";
    private static final String BIN_FILE = "adapter_model.bin";

    private final LoraConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> tensors;

    private LoraAdapter(LoraConfig config, NDManager manager, Map<String, NDArray> tensors) {
        this.config = config;
        this.manager = manager;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /**
     * Reads a PEFT adapter directory.
     *
     * @param dir holds {@code adapter_config.json} and {@code adapter_model.safetensors} or {@code .bin}
     * @return the adapter
     * @throws IllegalArgumentException for an unsupported config or an unexpected tensor key
     * @throws UncheckedIOException if a file is missing or unreadable
     */
    public static LoraAdapter load(Path dir) {
        Path configFile = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new UncheckedIOException(new IOException(dir + " has no " + CONFIG_FILE));
        }
        LoraConfig config = LoraConfig.load(configFile);
        Path weights = dir.resolve(SAFETENSORS_FILE);
        if (!Files.isRegularFile(weights)) {
            weights = dir.resolve(BIN_FILE);
        }
        if (!Files.isRegularFile(weights)) {
            throw new UncheckedIOException(new IOException(dir + " has neither " + SAFETENSORS_FILE + " nor " + BIN_FILE));
        }
        NDManager manager = NDManager.newBaseManager();
        try (StateDict sd = StateDict.open(weights)) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String key : sd.keys()) {
                checkKey(key, weights);
                tensors.put(key, sd.get(key, manager));
            }
            return new LoraAdapter(config, manager, tensors);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * An adapter from tensors already in memory (e.g. after training); the arrays are copied.
     *
     * @param config the adapter config
     * @param tensors adapter-file key -> array
     * @return the adapter
     * @throws IllegalArgumentException for an unexpected key
     */
    public static LoraAdapter of(LoraConfig config, Map<String, NDArray> tensors) {
        NDManager manager = NDManager.newBaseManager();
        try {
            Map<String, NDArray> copies = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                checkKey(e.getKey(), null);
                copies.put(e.getKey(), ArrayScopes.adopt(e.getValue().duplicate(), manager));
            }
            return new LoraAdapter(config, manager, copies);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Writes {@code adapter_config.json} and {@code adapter_model.safetensors} (float32), creating the directory.
     *
     * @param dir the target directory
     * @throws UncheckedIOException if it cannot be written
     */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            String json = new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(config.toJson());
            Files.writeString(dir.resolve(CONFIG_FILE), json + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write adapter to " + dir, e);
        }
        new SafetensorsWriter().withMetadata(Map.of("format", "pt")).write(dir.resolve(SAFETENSORS_FILE), tensors);
    }

    /** @return the adapter config */
    public LoraConfig config() {
        return config;
    }

    /** @return every tensor key, in file order */
    public Set<String> keys() {
        return tensors.keySet();
    }

    /**
     * @param key an adapter-file key
     * @return its array (owned by this adapter)
     * @throws IllegalArgumentException if absent
     */
    public NDArray get(String key) {
        NDArray a = tensors.get(key);
        if (a == null) {
            throw new IllegalArgumentException("the adapter has no tensor '" + key + "'");
        }
        return a;
    }

    private static void checkKey(String key, Path file) {
        String where = file == null ? "" : file + ": ";
        if (!key.startsWith(KEY_PREFIX)) {
            throw new IllegalArgumentException(where + "adapter tensor '" + key + "' does not start with '"
                    + KEY_PREFIX + "' (not a PEFT causal-LM adapter)");
        }
        if (!LoraInjector.isLoraKey(key) && (key.contains(".lora_") || key.contains("lora_magnitude_vector"))) {
            throw new IllegalArgumentException(where + "adapter tensor '" + key
                    + "' is not supported (only lora_A.weight / lora_B.weight factors and saved modules)");
        }
    }

    /** Frees the tensors. */
    @Override
    public void close() {
        manager.close();
    }
}
