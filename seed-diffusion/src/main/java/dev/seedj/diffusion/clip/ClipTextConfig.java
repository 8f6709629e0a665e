package dev.seedj.diffusion.clip;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape of a CLIP text transformer (Hugging Face {@code CLIPTextConfig}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param vocabSize token embedding rows
 * @param hiddenSize width
 * @param numLayers encoder layers
 * @param numHeads attention heads
 * @param intermediateSize MLP width
 * @param maxPositions position embedding rows (77)
 * @param layerNormEps LayerNorm epsilon
 * @param activation the MLP non-linearity
 */
public record ClipTextConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
        int maxPositions, float layerNormEps, ClipActivation activation) {

    /** CLIP ViT-L/14's text tower, the SD v1 text encoder ({@code openai/clip-vit-large-patch14}). */
    public static final ClipTextConfig CLIP_VIT_L_14 =
            new ClipTextConfig(49408, 768, 12, 12, 3072, 77, 1e-5f, ClipActivation.QUICK_GELU);
    /** OpenCLIP ViT-H/14's text tower (all 24 layers), the SD 2.x text encoder of CompVis checkpoints. */
    public static final ClipTextConfig OPEN_CLIP_VIT_H_14 =
            new ClipTextConfig(49408, 1024, 24, 16, 4096, 77, 1e-5f, ClipActivation.GELU);

    /**
     * Checks the fields.
     *
     * @param vocabSize token embedding rows
     * @param hiddenSize width
     * @param numLayers encoder layers
     * @param numHeads attention heads, dividing the width
     * @param intermediateSize MLP width
     * @param maxPositions position embedding rows
     * @param layerNormEps LayerNorm epsilon
     * @param activation the MLP non-linearity
     */
    public ClipTextConfig {
        if (vocabSize < 1 || hiddenSize < 1 || numLayers < 1 || numHeads < 1 || intermediateSize < 1 || maxPositions < 1) {
            throw new IllegalArgumentException("CLIP text config sizes must be positive: vocab " + vocabSize + ", hidden "
                    + hiddenSize + ", layers " + numLayers + ", heads " + numHeads + ", intermediate " + intermediateSize
                    + ", positions " + maxPositions);
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not divisible by " + numHeads + " heads");
        }
        if (activation == null) {
            throw new IllegalArgumentException("activation is required");
        }
    }

    /** transformers' {@code CLIPTextConfig} default vocabulary size. */
    public static final int DEFAULT_VOCAB_SIZE = 49408;

    /**
     * Reads a Hugging Face / diffusers {@code text_encoder/config.json}; absent fields take transformers'
     * {@code CLIPTextConfig} defaults (vocabulary 49408, width 512, 12 layers, 8 heads, MLP 2048, 77 positions,
     * {@code quick_gelu}, eps 1e-5).
     *
     * @param json the file
     * @return the config
     * @throws IllegalArgumentException if a field is missing or invalid
     * @throws UncheckedIOException if the file cannot be read
     */
    public static ClipTextConfig fromJson(Path json) {
        String text;
        try {
            text = Files.readString(json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CLIP text config " + json, e);
        }
        try {
            JsonObject o = JsonParser.parseString(text).getAsJsonObject();
            if (o.has("text_config")) { // a full CLIPConfig
                o = o.getAsJsonObject("text_config");
            }
            return new ClipTextConfig(intOr(o, "vocab_size", DEFAULT_VOCAB_SIZE), intOr(o, "hidden_size", 512),
                    intOr(o, "num_hidden_layers", 12), intOr(o, "num_attention_heads", 8),
                    intOr(o, "intermediate_size", 2048), intOr(o, "max_position_embeddings", 77),
                    o.has("layer_norm_eps") ? o.get("layer_norm_eps").getAsFloat() : 1e-5f,
                    ClipActivation.fromName(o.has("hidden_act") ? o.get("hidden_act").getAsString() : "quick_gelu"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(json + ": invalid CLIP text config: " + e.getMessage(), e);
        }
    }

    /**
     * @param layers another layer count
     * @return this config with {@code layers} encoder layers
     */
    public ClipTextConfig withNumLayers(int layers) {
        return new ClipTextConfig(vocabSize, hiddenSize, layers, numHeads, intermediateSize, maxPositions, layerNormEps,
                activation);
    }

    /**
     * @param json a {@code config.json}
     * @return whether it states {@code vocab_size} (some tiny test folders leave it to the weights)
     * @throws UncheckedIOException if the file cannot be read
     */
    static boolean statesVocabSize(Path json) {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8)).getAsJsonObject();
            return (o.has("text_config") ? o.getAsJsonObject("text_config") : o).has("vocab_size");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CLIP text config " + json, e);
        }
    }

    /**
     * @param vocab another vocabulary size
     * @return this config with {@code vocab} token embedding rows
     */
    public ClipTextConfig withVocabSize(int vocab) {
        return new ClipTextConfig(vocab, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions, layerNormEps,
                activation);
    }

    private static int intOr(JsonObject o, String key, int fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsInt();
    }
}
