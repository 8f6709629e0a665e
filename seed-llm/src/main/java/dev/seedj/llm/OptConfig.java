package dev.seedj.llm;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.seedj.core.nn.ActivationFunction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The architecture of an OPT model, read from a Hugging Face {@code config.json} ({@code OPTConfig}).
 *
 * <p>Every field that decides the shape of the network is required, even where Hugging Face would fall
 * back to a default: a silently defaulted field would load weights into the wrong network. Those fields are
 * {@code vocab_size}, {@code hidden_size}, {@code num_hidden_layers}, {@code num_attention_heads},
 * {@code ffn_dim}, {@code max_position_embeddings}, {@code word_embed_proj_dim},
 * {@code do_layer_norm_before} and {@code activation_function}; every released OPT config has them. The
 * remaining fields keep Hugging Face's defaults when absent: {@code tie_word_embeddings} true,
 * {@code enable_bias} true, {@code _remove_final_layer_norm} false, {@code layer_norm_elementwise_affine} true,
 * {@code pad_token_id} 1, {@code bos_token_id} 2, {@code eos_token_id} 2.
 *
 * <p>Immutable and thread-safe.
 *
 * @param vocabSize rows of {@code embed_tokens}
 * @param hiddenSize width of the decoder layers
 * @param numLayers number of decoder layers
 * @param numHeads attention heads per layer
 * @param ffnDim inner width of the feed-forward networks
 * @param maxPositions number of learned positions (the table has two more rows: OPT's offset)
 * @param wordEmbedProjDim width of the token embeddings; when it differs from {@code hiddenSize} the decoder
 *     has {@code project_in} and {@code project_out} (OPT-350m)
 * @param layerNormBefore pre-LayerNorm ({@code true}) or post-LayerNorm ({@code false}, OPT-350m)
 * @param activation the feed-forward non-linearity
 * @param tieWordEmbeddings whether {@code lm_head} shares {@code embed_tokens}' matrix
 * @param enableBias whether the attention and feed-forward projections have biases
 * @param removeFinalLayerNorm Hugging Face's {@code _remove_final_layer_norm} compatibility switch
 * @param padTokenId padding token
 * @param bosTokenId beginning-of-sequence token
 * @param eosTokenId end-of-sequence token
 */
public record OptConfig(
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int ffnDim,
        int maxPositions,
        int wordEmbedProjDim,
        boolean layerNormBefore,
        ActivationFunction activation,
        boolean tieWordEmbeddings,
        boolean enableBias,
        boolean removeFinalLayerNorm,
        int padTokenId,
        int bosTokenId,
        int eosTokenId) {

    /** OPT's learned position table is offset by two rows (a fairseq legacy). */
    public static final int POSITION_OFFSET = 2;

    /** LayerNorm epsilon of every OPT LayerNorm ({@code nn.LayerNorm}'s default). */
    public static final float LAYER_NORM_EPS = 1e-5f;

    /**
     * Validates the sizes.
     *
     * @param vocabSize rows of {@code embed_tokens}
     * @param hiddenSize width of the decoder layers
     * @param numLayers number of decoder layers
     * @param numHeads attention heads per layer
     * @param ffnDim inner width of the feed-forward networks
     * @param maxPositions number of learned positions (the table has two more rows: OPT's offset)
     * @param wordEmbedProjDim width of the token embeddings; when it differs from {@code hiddenSize} the decoder
     *     has {@code project_in} and {@code project_out} (OPT-350m)
     * @param layerNormBefore pre-LayerNorm ({@code true}) or post-LayerNorm ({@code false}, OPT-350m)
     * @param activation the feed-forward non-linearity
     * @param tieWordEmbeddings whether {@code lm_head} shares {@code embed_tokens}' matrix
     * @param enableBias whether the attention and feed-forward projections have biases
     * @param removeFinalLayerNorm Hugging Face's {@code _remove_final_layer_norm} compatibility switch
     * @param padTokenId padding token
     * @param bosTokenId beginning-of-sequence token
     * @param eosTokenId end-of-sequence token
     */
    public OptConfig {
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("num_hidden_layers", numLayers);
        requirePositive("num_attention_heads", numHeads);
        requirePositive("ffn_dim", ffnDim);
        requirePositive("max_position_embeddings", maxPositions);
        requirePositive("word_embed_proj_dim", wordEmbedProjDim);
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numHeads);
        }
        if (activation == null) {
            throw new IllegalArgumentException("activation_function is required");
        }
    }

    /**
     * Reads {@code config.json}.
     *
     * @param file the file
     * @return the config
     * @throws IllegalArgumentException naming a missing or malformed field, or a model that is not OPT
     * @throws UncheckedIOException if the file cannot be read
     */
    public static OptConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read OPT config " + file, e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the text of a Hugging Face {@code config.json}.
     *
     * @param json the JSON text
     * @return the config
     * @throws IllegalArgumentException naming a missing or malformed field, or a model that is not OPT
     */
    public static OptConfig parse(String json) {
        JsonObject o;
        try {
            JsonElement root = JsonParser.parseString(json);
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException("config.json is not a JSON object");
            }
            o = root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("config.json is not valid JSON: " + e.getMessage(), e);
        }
        if (o.has("model_type") && !"opt".equals(o.get("model_type").getAsString())) {
            throw new IllegalArgumentException("model_type is '" + o.get("model_type").getAsString()
                    + "', expected 'opt'");
        }
        if (o.has("layer_norm_elementwise_affine") && !bool(o, "layer_norm_elementwise_affine", true)) {
            throw new IllegalArgumentException("layer_norm_elementwise_affine=false is not supported");
        }
        return new OptConfig(
                requiredInt(o, "vocab_size"),
                requiredInt(o, "hidden_size"),
                requiredInt(o, "num_hidden_layers"),
                requiredInt(o, "num_attention_heads"),
                requiredInt(o, "ffn_dim"),
                requiredInt(o, "max_position_embeddings"),
                requiredInt(o, "word_embed_proj_dim"),
                requiredBool(o, "do_layer_norm_before"),
                ActivationFunction.fromName(requiredString(o, "activation_function")),
                bool(o, "tie_word_embeddings", true),
                bool(o, "enable_bias", true),
                bool(o, "_remove_final_layer_norm", false),
                optionalInt(o, "pad_token_id", 1),
                optionalInt(o, "bos_token_id", 2),
                optionalInt(o, "eos_token_id", 2));
    }

    /**
     * Writes this config as a Hugging Face {@code config.json} object.
     *
     * @return the JSON object
     */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add("OPTForCausalLM");
        o.add("architectures", architectures);
        o.addProperty("model_type", "opt");
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("num_hidden_layers", numLayers);
        o.addProperty("num_attention_heads", numHeads);
        o.addProperty("ffn_dim", ffnDim);
        o.addProperty("max_position_embeddings", maxPositions);
        o.addProperty("word_embed_proj_dim", wordEmbedProjDim);
        o.addProperty("do_layer_norm_before", layerNormBefore);
        o.addProperty("activation_function", activation.name().toLowerCase(Locale.ROOT));
        o.addProperty("tie_word_embeddings", tieWordEmbeddings);
        o.addProperty("enable_bias", enableBias);
        o.addProperty("_remove_final_layer_norm", removeFinalLayerNorm);
        o.addProperty("layer_norm_elementwise_affine", true);
        o.addProperty("pad_token_id", padTokenId);
        o.addProperty("bos_token_id", bosTokenId);
        o.addProperty("eos_token_id", eosTokenId);
        o.addProperty("torch_dtype", "float32");
        return o;
    }

    /** @return true when the decoder has {@code project_in} / {@code project_out} */
    public boolean hasProjections() {
        return wordEmbedProjDim != hiddenSize;
    }

    /** @return true when the decoder ends with {@code final_layer_norm} */
    public boolean hasFinalLayerNorm() {
        return layerNormBefore && !removeFinalLayerNorm;
    }

    /** @return width of one attention head */
    public int headDim() {
        return hiddenSize / numHeads;
    }

    /**
     * @param newVocabSize rows of the token embeddings
     * @return this config with another vocabulary size
     */
    public OptConfig withVocabSize(int newVocabSize) {
        return new OptConfig(newVocabSize, hiddenSize, numLayers, numHeads, ffnDim, maxPositions,
                wordEmbedProjDim, layerNormBefore, activation, tieWordEmbeddings, enableBias,
                removeFinalLayerNorm, padTokenId, bosTokenId, eosTokenId);
    }

    /**
     * @param tied whether {@code lm_head} shares the token embeddings
     * @return this config with another tying
     */
    public OptConfig withTiedEmbeddings(boolean tied) {
        return new OptConfig(vocabSize, hiddenSize, numLayers, numHeads, ffnDim, maxPositions,
                wordEmbedProjDim, layerNormBefore, activation, tied, enableBias,
                removeFinalLayerNorm, padTokenId, bosTokenId, eosTokenId);
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }

    private static JsonElement required(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("config.json lacks the required field '" + field + "'");
        }
        return e;
    }

    private static int requiredInt(JsonObject o, String field) {
        JsonElement e = required(o, field);
        try {
            return e.getAsInt();
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("config.json field '" + field + "' is not an integer: " + e, ex);
        }
    }

    private static boolean requiredBool(JsonObject o, String field) {
        JsonElement e = required(o, field);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("config.json field '" + field + "' is not a boolean: " + e);
        }
        return e.getAsBoolean();
    }

    private static String requiredString(JsonObject o, String field) {
        JsonElement e = required(o, field);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("config.json field '" + field + "' is not a string: " + e);
        }
        return e.getAsString();
    }

    private static boolean bool(JsonObject o, String field, boolean fallback) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? fallback : e.getAsBoolean();
    }

    private static int optionalInt(JsonObject o, String field, int fallback) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? fallback : e.getAsInt();
    }
}
