package dev.seedj.llm.llama;

import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import java.nio.file.Path;
import java.util.List;
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
     * @throws ConfigException naming the file and the JSON path of a missing or malformed key, or a model that is
     *     not LLaMA
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public static LlamaConfig load(Path file) {
        return ConfigValue.readFile(file, LlamaConfig::fromJson);
    }

    /**
     * Parses the text of a Hugging Face {@code config.json}.
     *
     * @param json the JSON text
     * @return the config
     * @throws ConfigException naming the JSON path of a missing or malformed key, or a model that is not LLaMA
     */
    public static LlamaConfig parse(String json) {
        return fromJson(ConfigValue.parse(json));
    }

    private static LlamaConfig fromJson(ConfigValue o) {
        if (!o.isObject()) {
            throw o.error("config.json is not a JSON object");
        }
        ConfigValue modelType = o.get("model_type");
        if (modelType.isPresent() && !"llama".equals(modelType.asString())) {
            throw modelType.error("'" + modelType.asString() + "' is not supported, expected 'llama'");
        }
        ConfigValue act = o.get("hidden_act");
        if (act.isPresent() && !"silu".equals(act.asString())) {
            throw act.error("'" + act.asString() + "' is not supported (LLaMA uses silu)");
        }
        int heads = o.get("num_attention_heads").asInt();
        RopeScaling scaling = ropeScaling(o.get("rope_scaling"));
        int eos = eosTokenId(o.get("eos_token_id"));
        try {
            return new LlamaConfig(
                    o.get("vocab_size").asInt(),
                    o.get("hidden_size").asInt(),
                    o.get("intermediate_size").asInt(),
                    o.get("num_hidden_layers").asInt(),
                    heads,
                    o.get("num_key_value_heads").asInt(heads),
                    o.get("rms_norm_eps").asDouble(),
                    o.get("rope_theta").asDouble(DEFAULT_ROPE_THETA),
                    scaling,
                    o.get("max_position_embeddings").asInt(),
                    o.get("pretraining_tp").asInt(1),
                    o.get("tie_word_embeddings").asBoolean(false),
                    o.get("bos_token_id").asInt(1),
                    eos,
                    o.get("pad_token_id").asInt(0),
                    o.get("torch_dtype").asString(null));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw o.error(e.getMessage()); // a range check of the constructor, which names the key
        }
    }

    /** {@code rope_scaling}: null, or {@code {"type" (or "rope_type"): "linear" | "dynamic", "factor": f}}. */
    private static RopeScaling ropeScaling(ConfigValue v) {
        if (!v.isPresent()) {
            return RopeScaling.NONE;
        }
        if (!v.isObject()) {
            throw v.error("expected null or an object {\"type\", \"factor\"}");
        }
        ConfigValue type = v.get("type").isPresent() ? v.get("type") : v.get("rope_type");
        if (!type.isString()) {
            throw v.get("type").error("expected \"linear\" or \"dynamic\"");
        }
        RopeScaling.Type kind = switch (type.asString().toLowerCase(Locale.ROOT)) {
            case "linear" -> RopeScaling.Type.LINEAR;
            case "dynamic" -> RopeScaling.Type.DYNAMIC;
            default -> throw type.error("'" + type.asString()
                    + "' is not supported (transformers 4.30-4.31 know linear and dynamic)");
        };
        ConfigValue factor = v.get("factor");
        try {
            return new RopeScaling(kind, factor.asDouble());
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw factor.error(e.getMessage());
        }
    }

    /** {@code eos_token_id}: a number, or a list of numbers (LLaMA-3) whose first entry is taken; default 2. */
    private static int eosTokenId(ConfigValue v) {
        if (!v.isPresent()) {
            return 2;
        }
        if (v.isArray()) {
            List<ConfigValue> ids = v.elements();
            if (ids.isEmpty()) {
                throw v.error("expected a token id or a non-empty list of token ids");
            }
            return ids.get(0).asInt();
        }
        return v.asInt();
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
}
