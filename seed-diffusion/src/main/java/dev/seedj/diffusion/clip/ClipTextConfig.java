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

    /**
     * Reads a Hugging Face / diffusers {@code text_encoder/config.json}.
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
            return new ClipTextConfig(required(o, "vocab_size").getAsInt(), required(o, "hidden_size").getAsInt(),
                    required(o, "num_hidden_layers").getAsInt(), required(o, "num_attention_heads").getAsInt(),
                    required(o, "intermediate_size").getAsInt(), required(o, "max_position_embeddings").getAsInt(),
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

    private static JsonElement required(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("missing '" + key + "'");
        }
        return e;
    }
}
