package dev.seedj.llm;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.core.nn.ActivationFunction;
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
 * <p>Build one with {@link #builder()} ({@code OptConfig.builder().vocabSize(8354).hiddenSize(128).build()}).
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
            throw new ConfigException("$.num_attention_heads", numHeads + " heads do not divide hidden_size "
                    + hiddenSize);
        }
        if (activation == null) {
            throw new ConfigException("$.activation_function", "missing");
        }
    }

    /**
     * A builder starting from OPT-125m's architecture with Hugging Face's defaults for the optional fields.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this config's values */
    public Builder toBuilder() {
        return new Builder().vocabSize(vocabSize).hiddenSize(hiddenSize).numLayers(numLayers).numHeads(numHeads)
                .ffnDim(ffnDim).maxPositions(maxPositions).wordEmbedProjDim(wordEmbedProjDim)
                .layerNormBefore(layerNormBefore).activation(activation).tieWordEmbeddings(tieWordEmbeddings)
                .enableBias(enableBias).removeFinalLayerNorm(removeFinalLayerNorm).padTokenId(padTokenId)
                .bosTokenId(bosTokenId).eosTokenId(eosTokenId);
    }

    /**
     * Reads {@code config.json}.
     *
     * @param file the file
     * @return the config
     * @throws ConfigException naming the file and a missing or malformed field, or a model that is not OPT
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public static OptConfig load(Path file) {
        return ConfigValue.readFile(file, OptConfig::fromJson);
    }

    /**
     * Parses the text of a Hugging Face {@code config.json}.
     *
     * @param json the JSON text
     * @return the config
     * @throws ConfigException naming a missing or malformed field, or a model that is not OPT
     */
    public static OptConfig parse(String json) {
        return fromJson(ConfigValue.parse(json));
    }

    private static OptConfig fromJson(ConfigValue o) {
        String modelType = o.get("model_type").asString("opt");
        if (!"opt".equals(modelType)) {
            throw o.get("model_type").error("'" + modelType + "' is not supported, expected 'opt'");
        }
        if (!o.get("layer_norm_elementwise_affine").asBoolean(true)) {
            throw o.get("layer_norm_elementwise_affine").error("false is not supported");
        }
        ConfigValue activation = o.get("activation_function");
        ActivationFunction function;
        try {
            function = ActivationFunction.fromName(activation.asString());
        } catch (IllegalArgumentException e) {
            throw activation.error(e.getMessage());
        }
        return builder()
                .vocabSize(o.get("vocab_size").asInt())
                .hiddenSize(o.get("hidden_size").asInt())
                .numLayers(o.get("num_hidden_layers").asInt())
                .numHeads(o.get("num_attention_heads").asInt())
                .ffnDim(o.get("ffn_dim").asInt())
                .maxPositions(o.get("max_position_embeddings").asInt())
                .wordEmbedProjDim(o.get("word_embed_proj_dim").asInt())
                .layerNormBefore(o.get("do_layer_norm_before").asBoolean())
                .activation(function)
                .tieWordEmbeddings(o.get("tie_word_embeddings").asBoolean(true))
                .enableBias(o.get("enable_bias").asBoolean(true))
                .removeFinalLayerNorm(o.get("_remove_final_layer_norm").asBoolean(false))
                .padTokenId(o.get("pad_token_id").asInt(1))
                .bosTokenId(o.get("bos_token_id").asInt(2))
                .eosTokenId(o.get("eos_token_id").asInt(2))
                .build();
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
        return toBuilder().vocabSize(newVocabSize).build();
    }

    /**
     * @param tied whether {@code lm_head} shares the token embeddings
     * @return this config with another tying
     */
    public OptConfig withTiedEmbeddings(boolean tied) {
        return toBuilder().tieWordEmbeddings(tied).build();
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new ConfigException("$." + field, "must be positive, got " + value);
        }
    }

    /**
     * Builds an {@link OptConfig} field by field. Starts from OPT-125m's architecture (vocabulary 50272, width
     * 768, 12 layers of 12 heads, feed-forward 3072, 2048 positions, pre-LayerNorm, ReLU, tied embeddings,
     * biases, pad 1, bos 2, eos 2). Not thread-safe; the built config is immutable.
     */
    public static final class Builder {
        private int vocabSize = 50272;
        private int hiddenSize = 768;
        private int numLayers = 12;
        private int numHeads = 12;
        private int ffnDim = 3072;
        private int maxPositions = 2048;
        private int wordEmbedProjDim = 768;
        private boolean layerNormBefore = true;
        private ActivationFunction activation = ActivationFunction.RELU;
        private boolean tieWordEmbeddings = true;
        private boolean enableBias = true;
        private boolean removeFinalLayerNorm;
        private int padTokenId = 1;
        private int bosTokenId = 2;
        private int eosTokenId = 2;

        private Builder() {}

        /**
         * @param v rows of {@code embed_tokens} ({@code vocab_size})
         * @return this builder
         */
        public Builder vocabSize(int v) {
            vocabSize = v;
            return this;
        }

        /**
         * Sets the decoder width and, as in every OPT but OPT-350m, the token-embedding width too.
         *
         * @param v width of the decoder layers ({@code hidden_size})
         * @return this builder
         */
        public Builder hiddenSize(int v) {
            hiddenSize = v;
            wordEmbedProjDim = v;
            return this;
        }

        /**
         * @param v number of decoder layers ({@code num_hidden_layers})
         * @return this builder
         */
        public Builder numLayers(int v) {
            numLayers = v;
            return this;
        }

        /**
         * @param v attention heads per layer ({@code num_attention_heads})
         * @return this builder
         */
        public Builder numHeads(int v) {
            numHeads = v;
            return this;
        }

        /**
         * @param v inner width of the feed-forward networks ({@code ffn_dim})
         * @return this builder
         */
        public Builder ffnDim(int v) {
            ffnDim = v;
            return this;
        }

        /**
         * @param v learned positions ({@code max_position_embeddings})
         * @return this builder
         */
        public Builder maxPositions(int v) {
            maxPositions = v;
            return this;
        }

        /**
         * @param v width of the token embeddings ({@code word_embed_proj_dim}; set after {@link #hiddenSize})
         * @return this builder
         */
        public Builder wordEmbedProjDim(int v) {
            wordEmbedProjDim = v;
            return this;
        }

        /**
         * @param v pre-LayerNorm ({@code do_layer_norm_before})
         * @return this builder
         */
        public Builder layerNormBefore(boolean v) {
            layerNormBefore = v;
            return this;
        }

        /**
         * @param v the feed-forward non-linearity ({@code activation_function})
         * @return this builder
         */
        public Builder activation(ActivationFunction v) {
            activation = v;
            return this;
        }

        /**
         * @param v whether {@code lm_head} shares {@code embed_tokens} ({@code tie_word_embeddings})
         * @return this builder
         */
        public Builder tieWordEmbeddings(boolean v) {
            tieWordEmbeddings = v;
            return this;
        }

        /**
         * @param v whether the projections have biases ({@code enable_bias})
         * @return this builder
         */
        public Builder enableBias(boolean v) {
            enableBias = v;
            return this;
        }

        /**
         * @param v Hugging Face's {@code _remove_final_layer_norm}
         * @return this builder
         */
        public Builder removeFinalLayerNorm(boolean v) {
            removeFinalLayerNorm = v;
            return this;
        }

        /**
         * @param v padding token ({@code pad_token_id})
         * @return this builder
         */
        public Builder padTokenId(int v) {
            padTokenId = v;
            return this;
        }

        /**
         * @param v beginning-of-sequence token ({@code bos_token_id})
         * @return this builder
         */
        public Builder bosTokenId(int v) {
            bosTokenId = v;
            return this;
        }

        /**
         * @param v end-of-sequence token ({@code eos_token_id})
         * @return this builder
         */
        public Builder eosTokenId(int v) {
            eosTokenId = v;
            return this;
        }

        /**
         * @return the config
         * @throws ConfigException naming the first bad field
         */
        public OptConfig build() {
            return new OptConfig(vocabSize, hiddenSize, numLayers, numHeads, ffnDim, maxPositions, wordEmbedProjDim,
                    layerNormBefore, activation, tieWordEmbeddings, enableBias, removeFinalLayerNorm, padTokenId,
                    bosTokenId, eosTokenId);
        }
    }
}
