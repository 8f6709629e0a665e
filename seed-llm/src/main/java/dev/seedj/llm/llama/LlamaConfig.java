package dev.seedj.llm.llama;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The architecture of a LLaMA model, read from a Hugging Face {@code config.json} ({@code LlamaConfig}).
 *
 * <p>The fields that decide the shape of the network are required: {@code vocab_size}, {@code hidden_size},
 * {@code intermediate_size}, {@code num_hidden_layers}, {@code num_attention_heads}, {@code rms_norm_eps} and
 * {@code max_position_embeddings} (every released LLaMA config has them). The others keep Hugging Face's
 * defaults when absent: {@code num_key_value_heads} = {@code num_attention_heads}, {@code rope_theta} 10000,
 * {@code rope_scaling} none, {@code pretraining_tp} 1, {@code tie_word_embeddings} false, {@code hidden_act}
 * silu (the only one LLaMA uses), {@code bos_token_id} 1, {@code eos_token_id} 2 (of a list, as LLaMA-3 writes it,
 * the first), {@code pad_token_id} 0,
 * {@code torch_dtype} float32.
 *
 * <p>{@code pretraining_tp} is kept but does not change the computation: transformers 4.30.2, which SEED-LLaMA
 * pins, has no tensor-parallel slicing, so a {@code pretraining_tp: 2} checkpoint (SEED-LLaMA 14B) computes the
 * same logits as with 1.
 *
 * <p>Immutable and thread-safe.
 *
 * @param vocabSize rows of {@code embed_tokens} and {@code lm_head}
 * @param hiddenSize width of the residual stream
 * @param intermediateSize inner width of the SwiGLU MLP
 * @param numLayers number of decoder layers
 * @param numHeads query heads per layer
 * @param numKeyValueHeads key/value heads per layer (fewer than {@code numHeads}: grouped-query attention)
 * @param rmsNormEps epsilon of every RMSNorm
 * @param ropeTheta base of the rotary frequencies
 * @param ropeScaling how rotary positions are stretched beyond the trained length
 * @param maxPositions {@code max_position_embeddings}, the trained context length
 * @param pretrainingTp the tensor-parallel degree the checkpoint was trained with (informational)
 * @param tieWordEmbeddings whether {@code lm_head} shares {@code embed_tokens}' matrix
 * @param bosTokenId beginning-of-sequence token
 * @param eosTokenId end-of-sequence token
 * @param padTokenId padding token (fed to finished rows when generating)
 * @param torchDtype the {@code torch_dtype} the checkpoint was saved in, e.g. {@code float16}
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKeyValueHeads,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositions,
        int pretrainingTp,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int eosTokenId,
        int padTokenId,
        String torchDtype) {

    /** Hugging Face's default rotary base. */
    public static final double DEFAULT_ROPE_THETA = 10000.0;

    /**
     * Rotary position scaling as transformers' {@code rope_scaling = {"type": ..., "factor": ...}}.
     *
     * <p>Immutable and thread-safe.
     *
     * @param type none, linear (positions divided by the factor) or dynamic (NTK: a larger base once a sequence
     *     exceeds {@code max_position_embeddings})
     * @param factor the scaling factor (1 for none)
     */
    public record RopeScaling(Type type, double factor) {
        /** No scaling. */
        public static final RopeScaling NONE = new RopeScaling(Type.NONE, 1.0);

        /** The scaling kinds transformers' LLaMA knows. */
        public enum Type {
            /** Plain rotary embeddings. */
            NONE,
            /** {@code LlamaLinearScalingRotaryEmbedding}: position t becomes t / factor. */
            LINEAR,
            /** {@code LlamaDynamicNTKScalingRotaryEmbedding}: the base grows with the sequence length. */
            DYNAMIC
        }

        /**
         * Validates the factor.
         *
         * @param type the kind
         * @param factor the scaling factor; must be at least 1 unless {@code type} is none
         */
        public RopeScaling {
            if (type == null) {
                throw new IllegalArgumentException("rope_scaling.type is required");
            }
            if (type != Type.NONE && !(factor >= 1.0 && Double.isFinite(factor))) {
                throw new IllegalArgumentException("rope_scaling.factor must be a finite number >= 1, got " + factor);
            }
        }
    }

    /**
     * Validates the sizes.
     *
     * @param vocabSize rows of {@code embed_tokens} and {@code lm_head}
     * @param hiddenSize width of the residual stream
     * @param intermediateSize inner width of the SwiGLU MLP
     * @param numLayers number of decoder layers
     * @param numHeads query heads per layer
     * @param numKeyValueHeads key/value heads per layer
     * @param rmsNormEps epsilon of every RMSNorm
     * @param ropeTheta base of the rotary frequencies
     * @param ropeScaling how rotary positions are stretched
     * @param maxPositions the trained context length
     * @param pretrainingTp the tensor-parallel degree of training (informational)
     * @param tieWordEmbeddings whether {@code lm_head} shares {@code embed_tokens}' matrix
     * @param bosTokenId beginning-of-sequence token
     * @param eosTokenId end-of-sequence token
     * @param padTokenId padding token
     * @param torchDtype the stored {@code torch_dtype}
     * @throws IllegalArgumentException naming the config key that is out of range
     */
    public LlamaConfig {
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("num_hidden_layers", numLayers);
        requirePositive("num_attention_heads", numHeads);
        requirePositive("num_key_value_heads", numKeyValueHeads);
        requirePositive("max_position_embeddings", maxPositions);
        requirePositive("pretraining_tp", pretrainingTp);
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numHeads);
        }
        if ((hiddenSize / numHeads) % 2 != 0) {
            throw new IllegalArgumentException("the head width hidden_size / num_attention_heads = "
                    + hiddenSize / numHeads + " must be even for rotary embeddings");
        }
        if (numHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
        if (!(rmsNormEps > 0 && Double.isFinite(rmsNormEps))) {
            throw new IllegalArgumentException("rms_norm_eps must be a positive number, got " + rmsNormEps);
        }
        if (!(ropeTheta > 1 && Double.isFinite(ropeTheta))) {
            throw new IllegalArgumentException("rope_theta must be a number > 1, got " + ropeTheta);
        }
        if (ropeScaling == null) {
            ropeScaling = RopeScaling.NONE;
        }
        requireToken("bos_token_id", bosTokenId, vocabSize);
        requireToken("eos_token_id", eosTokenId, vocabSize);
        requireToken("pad_token_id", padTokenId, vocabSize);
        if (torchDtype == null) {
            torchDtype = "float32";
        }
    }

    /** @return the width of one attention head */
    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** @return the number of parameters the model declares (embeddings, layers, final norm, untied head) */
    public long parameterCount() {
        long d = hiddenSize;
        long kv = (long) numKeyValueHeads * headDim();
        long attention = d * d * 2 + d * kv * 2; // q_proj, o_proj, k_proj, v_proj
        long mlp = 3 * d * intermediateSize; // gate_proj, up_proj, down_proj
        long layer = attention + mlp + 2 * d; // + input_layernorm, post_attention_layernorm
        long embeddings = (long) vocabSize * d * (tieWordEmbeddings ? 1 : 2);
        return embeddings + numLayers * layer + d;
    }

    /**
     * Reads {@code config.json}.
     *
     * @param file the file
     * @return the config
     * @throws IllegalArgumentException naming the missing or malformed key, or a model that is not LLaMA
     * @throws UncheckedIOException if the file cannot be read
     */
    public static LlamaConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read LLaMA config " + file, e);
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
     * @throws IllegalArgumentException naming the missing or malformed key, or a model that is not LLaMA
     */
    public static LlamaConfig parse(String json) {
        JsonObject root;
        Raw raw;
        try {
            JsonElement tree = JsonParser.parseString(json);
            if (!tree.isJsonObject()) {
                throw new IllegalArgumentException("config.json is not a JSON object");
            }
            root = tree.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("config.json is not valid JSON: " + e.getMessage(), e);
        }
        try {
            raw = new Gson().fromJson(root, Raw.class);
        } catch (JsonParseException | NumberFormatException | IllegalStateException e) {
            throw new IllegalArgumentException(badKey(root) + e.getMessage(), e);
        }
        if (raw.modelType != null && !raw.modelType.equals("llama")) {
            throw new IllegalArgumentException("model_type is '" + raw.modelType + "', expected 'llama'");
        }
        if (raw.hiddenAct != null && !raw.hiddenAct.equals("silu")) {
            throw new IllegalArgumentException("hidden_act '" + raw.hiddenAct + "' is not supported (LLaMA uses silu)");
        }
        int heads = required("num_attention_heads", raw.numHeads);
        return new LlamaConfig(
                required("vocab_size", raw.vocabSize),
                required("hidden_size", raw.hiddenSize),
                required("intermediate_size", raw.intermediateSize),
                required("num_hidden_layers", raw.numLayers),
                heads,
                raw.numKeyValueHeads == null ? heads : raw.numKeyValueHeads,
                required("rms_norm_eps", raw.rmsNormEps),
                raw.ropeTheta == null ? DEFAULT_ROPE_THETA : raw.ropeTheta,
                ropeScaling(root.get("rope_scaling")),
                required("max_position_embeddings", raw.maxPositions),
                raw.pretrainingTp == null ? 1 : raw.pretrainingTp,
                raw.tieWordEmbeddings != null && raw.tieWordEmbeddings,
                raw.bosTokenId == null ? 1 : raw.bosTokenId,
                eosTokenId(raw.eosTokenId),
                raw.padTokenId == null ? 0 : raw.padTokenId,
                raw.torchDtype);
    }

    private static RopeScaling ropeScaling(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return RopeScaling.NONE;
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException("rope_scaling must be null or an object {\"type\", \"factor\"}");
        }
        JsonObject o = e.getAsJsonObject();
        JsonElement type = o.has("type") ? o.get("type") : o.get("rope_type");
        if (type == null || !type.isJsonPrimitive() || !type.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("rope_scaling.type must be \"linear\" or \"dynamic\"");
        }
        RopeScaling.Type kind = switch (type.getAsString().toLowerCase(Locale.ROOT)) {
            case "linear" -> RopeScaling.Type.LINEAR;
            case "dynamic" -> RopeScaling.Type.DYNAMIC;
            default -> throw new IllegalArgumentException("rope_scaling.type '" + type.getAsString()
                    + "' is not supported (transformers 4.30-4.31 know linear and dynamic)");
        };
        JsonElement factor = o.get("factor");
        if (factor == null || !factor.isJsonPrimitive() || !factor.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("rope_scaling.factor must be a number");
        }
        return new RopeScaling(kind, factor.getAsDouble());
    }

    /** @return "key 'x' has the wrong type: " for the first key Gson cannot bind on its own, else "" */
    private static String badKey(JsonObject root) {
        Gson gson = new Gson();
        for (Field field : Raw.class.getDeclaredFields()) {
            SerializedName name = field.getAnnotation(SerializedName.class);
            if (name == null || !root.has(name.value())) {
                continue;
            }
            try {
                gson.fromJson(root.get(name.value()), field.getType());
            } catch (JsonParseException | NumberFormatException | IllegalStateException e) {
                return "config.json key '" + name.value() + "' has the wrong type (" + root.get(name.value()) + "): ";
            }
        }
        return "config.json does not bind to a LLaMA config: ";
    }

    /** {@code eos_token_id}: a number, or a list of numbers (LLaMA-3) whose first entry is taken; default 2. */
    private static int eosTokenId(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return 2;
        }
        JsonElement first = e.isJsonArray() && e.getAsJsonArray().size() > 0 ? e.getAsJsonArray().get(0) : e;
        if (!first.isJsonPrimitive() || !first.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("eos_token_id must be a token id or a list of token ids, got " + e);
        }
        return first.getAsInt();
    }

    private static <T> T required(String key, T value) {
        if (value == null) {
            throw new IllegalArgumentException("config.json lacks the required key '" + key + "'");
        }
        return value;
    }

    private static void requireToken(String key, int id, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw new IllegalArgumentException(key + " " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    private static void requirePositive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + value);
        }
    }

    /** The JSON keys as Gson binds them; absent keys stay null. */
    private static final class Raw {
        @SerializedName("model_type") String modelType;
        @SerializedName("hidden_act") String hiddenAct;
        @SerializedName("vocab_size") Integer vocabSize;
        @SerializedName("hidden_size") Integer hiddenSize;
        @SerializedName("intermediate_size") Integer intermediateSize;
        @SerializedName("num_hidden_layers") Integer numLayers;
        @SerializedName("num_attention_heads") Integer numHeads;
        @SerializedName("num_key_value_heads") Integer numKeyValueHeads;
        @SerializedName("rms_norm_eps") Double rmsNormEps;
        @SerializedName("rope_theta") Double ropeTheta;
        @SerializedName("max_position_embeddings") Integer maxPositions;
        @SerializedName("pretraining_tp") Integer pretrainingTp;
        @SerializedName("tie_word_embeddings") Boolean tieWordEmbeddings;
        @SerializedName("bos_token_id") Integer bosTokenId;
        @SerializedName("eos_token_id") JsonElement eosTokenId;
        @SerializedName("pad_token_id") Integer padTokenId;
        @SerializedName("torch_dtype") String torchDtype;
    }
}
