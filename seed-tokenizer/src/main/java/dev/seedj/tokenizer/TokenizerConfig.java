package dev.seedj.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.core.config.ConfigWriter;
import dev.seedj.core.image.ResizeMode;
import dev.seedj.core.weights.ComputeType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The configuration of a SEED tokenizer, read from a model directory's {@code seed-tokenizer.json}: the
 * version ({@code v1}: Reverse Q-Former decoder to Stable Diffusion text conditioning; {@code v2}:
 * unCLIP image-embedding decoder), the preprocessing, the sizes of every component, the weight files and the
 * compute type ({@code dtype}: {@code float32}, the default, or {@code bfloat16}).
 *
 * <p>Every field is checked when the config is built; a missing, malformed or inconsistent field is a
 * {@link ConfigException} naming it. Unknown fields are ignored.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenizerConfig {

    /** The file name a model directory's config has. */
    public static final String FILE_NAME = "seed-tokenizer.json";

    /** The SEED tokenizer generation. Enum constants are immutable and thread-safe. */
    public enum Version {
        /** SEED v1: 77 x 768 Stable Diffusion text conditioning from a Reverse Q-Former. */
        V1,
        /** SEED v2 (SEED-LLaMA): one unCLIP image embedding from an MLP over the decoded queries. */
        V2;

        /** @return the name used in the JSON, {@code v1} or {@code v2} */
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The EVA vision transformer. Immutable and thread-safe.
     *
     * @param patchSize side of a square patch in pixels
     * @param width token width
     * @param depth number of blocks
     * @param numHeads attention heads; must divide width
     * @param mlpRatio MLP width over token width; the MLP width is {@code (int) (width * mlpRatio)} as in timm
     * @param layerNormEps the blocks' LayerNorm epsilon (1e-6)
     * @param lnVisionEps {@code ln_vision}'s epsilon (1e-5)
     */
    public record Vision(int patchSize, int width, int depth, int numHeads, double mlpRatio, float layerNormEps,
            float lnVisionEps) {
        /** @return the MLP's inner width */
        public long mlpHidden() {
            return (long) (width * mlpRatio);
        }
    }

    /**
     * The causal Q-Former (a post-LayerNorm BERT encoder). Immutable and thread-safe.
     *
     * @param hiddenSize width
     * @param numLayers layers
     * @param numHeads attention heads; must divide hiddenSize
     * @param intermediateSize feed-forward width
     * @param crossAttentionFreq layer i cross-attends to the image when {@code i % freq == 0}
     * @param numQueryTokens learned queries, one code each
     * @param layerNormEps every LayerNorm's epsilon (1e-12)
     */
    public record QFormer(int hiddenSize, int numLayers, int numHeads, int intermediateSize, int crossAttentionFreq,
            int numQueryTokens, float layerNormEps) {}

    /**
     * The vector-quantizer codebook. Immutable and thread-safe.
     *
     * @param size number of codes
     * @param dim code vector width
     */
    public record Codebook(int size, int dim) {}

    /**
     * The decoder from codes to generation embeddings. The decode blocks ({@code blocks_text} in v1,
     * {@code blocks_image} in v2) are pre-LayerNorm ViT blocks of the Q-Former's width. Immutable and
     * thread-safe.
     *
     * @param numBlocks decode blocks
     * @param numHeads their attention heads; must divide the Q-Former width
     * @param mlpRatio their MLP width over the Q-Former width
     * @param layerNormEps their LayerNorm epsilon (1e-6)
     * @param outputDim width of each generation embedding (v1 768, v2 1024)
     * @param reverseQformerLayers v1: layers of the Reverse Q-Former; 0 in v2
     * @param reverseQueryTokens v1: the Reverse Q-Former's queries, one generation embedding each; 0 in v2
     * @param imageDown v2: output widths of the bias-free {@code image_down} MLP (default 256, 128, 32); empty in v1
     */
    public record Decoder(int numBlocks, int numHeads, double mlpRatio, float layerNormEps, int outputDim,
            int reverseQformerLayers, int reverseQueryTokens, List<Integer> imageDown) {
        /**
         * Copies the list.
         *
         * @param numBlocks decode blocks
         * @param numHeads their attention heads; must divide the Q-Former width
         * @param mlpRatio their MLP width over the Q-Former width
         * @param layerNormEps their LayerNorm epsilon (1e-6)
         * @param outputDim width of each generation embedding (v1 768, v2 1024)
         * @param reverseQformerLayers v1: layers of the Reverse Q-Former; 0 in v2
         * @param reverseQueryTokens v1: the Reverse Q-Former's queries, one generation embedding each; 0 in v2
         * @param imageDown v2: output widths of the bias-free {@code image_down} MLP (default 256, 128, 32); empty
         *     in v1
         */
        public Decoder {
            imageDown = List.copyOf(imageDown);
        }

        /**
         * @param width the decode blocks' width
         * @return their MLP's inner width
         */
        public long mlpHidden(int width) {
            return (long) (width * mlpRatio);
        }
    }

    /**
     * One weight file and the prefix put in front of each of its keys. Immutable and thread-safe.
     *
     * @param file path relative to the model directory
     * @param prefix text prepended to every key (empty for none)
     */
    public record WeightFile(String file, String prefix) {}

    /** The {@code image_down} widths of the released v2 model. */
    public static final List<Integer> DEFAULT_IMAGE_DOWN = List.of(256, 128, 32);

    private final Version version;
    private final int imageSize;
    private final ResizeMode resize;
    private final float[] imageMean;
    private final float[] imageStd;
    private final Vision vision;
    private final QFormer qformer;
    private final Codebook codebook;
    private final Decoder decoder;
    private final List<WeightFile> weights;
    private final ComputeType dtype;

    /**
     * Builds and checks a config computing in float32.
     *
     * @param version v1 or v2
     * @param imageSize side of the square model input, at least one patch; as in the reference's strided
     *     patch convolution, {@code imageSize / patchSize} patches per side are used and trailing pixels ignored
     * @param resize the resampling filter of the preprocessing
     * @param imageMean per-channel mean (3 values)
     * @param imageStd per-channel standard deviation (3 positive values)
     * @param vision the vision transformer
     * @param qformer the causal Q-Former
     * @param codebook the codebook
     * @param decoder the decoder
     * @param weights the weight files in load order (later keys override earlier ones)
     * @throws ConfigException naming the first bad field
     */
    public TokenizerConfig(Version version, int imageSize, ResizeMode resize, float[] imageMean, float[] imageStd,
            Vision vision, QFormer qformer, Codebook codebook, Decoder decoder, List<WeightFile> weights) {
        this.version = required(version, "version");
        this.imageSize = imageSize;
        this.resize = required(resize, "resize");
        this.imageMean = required(imageMean, "image_mean").clone();
        this.imageStd = required(imageStd, "image_std").clone();
        this.vision = required(vision, "vision");
        this.qformer = required(qformer, "qformer");
        this.codebook = required(codebook, "codebook");
        this.decoder = required(decoder, "decoder");
        this.weights = List.copyOf(required(weights, "weights"));
        this.dtype = ComputeType.FLOAT32;
        validate();
    }

    /** A copy of {@code base} computing in {@code dtype}. */
    private TokenizerConfig(TokenizerConfig base, ComputeType dtype) {
        this.version = base.version;
        this.imageSize = base.imageSize;
        this.resize = base.resize;
        this.imageMean = base.imageMean;
        this.imageStd = base.imageStd;
        this.vision = base.vision;
        this.qformer = base.qformer;
        this.codebook = base.codebook;
        this.decoder = base.decoder;
        this.weights = base.weights;
        this.dtype = required(dtype, "dtype");
    }

    /**
     * @param computeType the compute type of the weights and products
     * @return this config with {@link #dtype()} = {@code computeType}
     */
    public TokenizerConfig withDtype(ComputeType computeType) {
        return computeType == dtype ? this : new TokenizerConfig(this, computeType);
    }

    /**
     * Reads a config file.
     *
     * @param file a {@code seed-tokenizer.json}
     * @return the config
     * @throws ConfigException naming the file and the bad field, or a missing file
     * @throws UncheckedIOException if the file cannot be read
     */
    public static TokenizerConfig read(Path file) {
        return ConfigValue.readFile(file, TokenizerConfig::fromJson);
    }

    /**
     * The config of a released SEED tokenizer, as shipped in this library ({@code v1}: {@code eva_vit_g.pth},
     * {@code causal_qformer.pth}, {@code seed_tokenizer.pth}; {@code v2}: {@code seed_quantizer.pt}).
     * Write it into a model directory as {@link #FILE_NAME} beside the weight files.
     *
     * @param version which release
     * @return its config
     */
    public static TokenizerConfig released(Version version) {
        String resource = "models/seed-tokenizer-" + version.jsonName() + ".json";
        try (InputStream in = TokenizerConfig.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the library jar lacks its resource " + resource);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the library resource " + resource, e);
        }
    }

    /**
     * Parses a config from JSON text.
     *
     * @param json the JSON object
     * @return the config
     * @throws ConfigException naming the bad field
     */
    public static TokenizerConfig parse(String json) {
        return fromJson(ConfigValue.parse(json));
    }

    private static TokenizerConfig fromJson(ConfigValue o) {
        Version version = o.get("version").asEnum(Version.class);
        ConfigValue d = o.get("decoder");
        boolean v1 = version == Version.V1;
        Decoder decoder = new Decoder(
                d.get("num_blocks").asInt(),
                d.get("num_heads").asInt(),
                d.get("mlp_ratio").asDouble(),
                (float) d.get("layer_norm_eps").asDouble(),
                d.get("output_dim").asInt(),
                v1 ? d.get("reverse_qformer_layers").asInt() : 0,
                v1 ? d.get("reverse_query_tokens").asInt() : 0,
                v1 ? List.of() : d.get("image_down").isPresent()
                        ? d.get("image_down").asList(ConfigValue::asInt) : DEFAULT_IMAGE_DOWN);
        return new TokenizerConfig(
                version,
                o.get("image_size").asInt(),
                o.get("resize").asEnum(ResizeMode.class),
                o.get("image_mean").asFloats(),
                o.get("image_std").asFloats(),
                o.get("vision").asRecord(Vision.class),
                o.get("qformer").asRecord(QFormer.class),
                o.get("codebook").asRecord(Codebook.class),
                decoder,
                o.get("weights").asList(w -> new WeightFile(w.get("file").asString(), w.get("prefix").asString(""))))
                .withDtype(o.get("dtype").asEnum(ComputeType.class, ComputeType.FLOAT32));
    }

    /** @return the config as JSON, in the layout {@link #parse} reads */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("version", version.jsonName());
        o.addProperty("image_size", imageSize);
        o.addProperty("resize", resize.name().toLowerCase(Locale.ROOT));
        o.add("image_mean", array(imageMean));
        o.add("image_std", array(imageStd));
        o.add("vision", ConfigWriter.toJson(vision));
        o.add("qformer", ConfigWriter.toJson(qformer));
        o.add("codebook", ConfigWriter.toJson(codebook));
        JsonObject d = ConfigWriter.toJson(decoder);
        if (version == Version.V1) {
            d.remove("image_down");
        } else {
            d.remove("reverse_qformer_layers");
            d.remove("reverse_query_tokens");
        }
        o.add("decoder", d);
        JsonArray w = new JsonArray();
        for (WeightFile f : weights) {
            JsonObject entry = ConfigWriter.toJson(f);
            if (f.prefix().isEmpty()) {
                entry.remove("prefix");
            }
            w.add(entry);
        }
        o.add("weights", w);
        if (dtype != ComputeType.FLOAT32) {
            o.addProperty("dtype", dtype.configName());
        }
        return ConfigWriter.pretty(o);
    }

    /** @return v1 or v2 */
    public Version version() {
        return version;
    }

    /** @return side of the square model input, in pixels */
    public int imageSize() {
        return imageSize;
    }

    /** @return the preprocessing's resampling filter */
    public ResizeMode resize() {
        return resize;
    }

    /** @return per-channel normalisation mean (a copy) */
    public float[] imageMean() {
        return imageMean.clone();
    }

    /** @return per-channel normalisation standard deviation (a copy) */
    public float[] imageStd() {
        return imageStd.clone();
    }

    /** @return the vision transformer's sizes */
    public Vision vision() {
        return vision;
    }

    /** @return the causal Q-Former's sizes */
    public QFormer qformer() {
        return qformer;
    }

    /** @return the codebook's sizes */
    public Codebook codebook() {
        return codebook;
    }

    /** @return the decoder's sizes */
    public Decoder decoder() {
        return decoder;
    }

    /** @return the weight files in load order */
    public List<WeightFile> weights() {
        return weights;
    }

    /**
     * @return the compute type: {@link ComputeType#BFLOAT16} loads the linear layers' matrices in bfloat16 (see
     *     {@link SeedTokenizer#load(TokenizerConfig, dev.seedj.core.weights.StateDict, ai.djl.Device, ComputeType)}); float32 by default
     */
    public ComputeType dtype() {
        return dtype;
    }

    /** @return codes per image (= the causal Q-Former's queries) */
    public int numCodes() {
        return qformer.numQueryTokens();
    }

    /** @return generation embeddings per image: v1 the Reverse Q-Former's queries (77), v2 one */
    public int numGenerationTokens() {
        return version == Version.V1 ? decoder.reverseQueryTokens() : 1;
    }

    /** @return width of each generation embedding (v1 768, v2 1024) */
    public int generationDim() {
        return decoder.outputDim();
    }

    private void validate() {
        positive(imageSize, "image_size");
        positive(vision.patchSize(), "vision.patch_size");
        if (imageSize < vision.patchSize()) {
            throw new ConfigException("$.image_size",
                    imageSize + " is smaller than one patch (vision.patch_size " + vision.patchSize() + ")");
        }
        channelValues(imageMean, "image_mean", false);
        channelValues(imageStd, "image_std", true);
        positive(vision.width(), "vision.width");
        positive(vision.depth(), "vision.depth");
        heads(vision.width(), vision.numHeads(), "vision.num_heads", "vision.width");
        ratio(vision.mlpRatio(), vision.width(), "vision.mlp_ratio");
        eps(vision.layerNormEps(), "vision.layer_norm_eps");
        eps(vision.lnVisionEps(), "vision.ln_vision_eps");
        positive(qformer.hiddenSize(), "qformer.hidden_size");
        positive(qformer.numLayers(), "qformer.num_layers");
        heads(qformer.hiddenSize(), qformer.numHeads(), "qformer.num_heads", "qformer.hidden_size");
        positive(qformer.intermediateSize(), "qformer.intermediate_size");
        positive(qformer.crossAttentionFreq(), "qformer.cross_attention_freq");
        positive(qformer.numQueryTokens(), "qformer.num_query_tokens");
        eps(qformer.layerNormEps(), "qformer.layer_norm_eps");
        positive(codebook.size(), "codebook.size");
        positive(codebook.dim(), "codebook.dim");
        positive(decoder.numBlocks(), "decoder.num_blocks");
        heads(qformer.hiddenSize(), decoder.numHeads(), "decoder.num_heads", "qformer.hidden_size");
        ratio(decoder.mlpRatio(), qformer.hiddenSize(), "decoder.mlp_ratio");
        eps(decoder.layerNormEps(), "decoder.layer_norm_eps");
        positive(decoder.outputDim(), "decoder.output_dim");
        if (version == Version.V1) {
            positive(decoder.reverseQformerLayers(), "decoder.reverse_qformer_layers");
            positive(decoder.reverseQueryTokens(), "decoder.reverse_query_tokens");
        } else {
            if (decoder.imageDown().isEmpty()) {
                throw new ConfigException("$.decoder.image_down", "a v2 decoder needs at least one image_down layer");
            }
            for (int i = 0; i < decoder.imageDown().size(); i++) {
                positive(decoder.imageDown().get(i), "decoder.image_down[" + i + "]");
            }
        }
        if (weights.isEmpty()) {
            throw new ConfigException("$.weights", "lists no weight file");
        }
        for (int i = 0; i < weights.size(); i++) {
            WeightFile f = weights.get(i);
            if (f == null || f.file() == null || f.file().isBlank()) {
                throw new ConfigException("$.weights[" + i + "].file", "missing or empty");
            }
            if (f.prefix() == null) {
                throw new ConfigException("$.weights[" + i + "].prefix", "must not be null (use an empty prefix)");
            }
        }
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new ConfigException("$." + field, "missing");
        }
        return value;
    }

    private static void positive(int value, String field) {
        if (value <= 0) {
            throw new ConfigException("$." + field, "must be a positive integer, got " + value);
        }
    }

    private static void heads(int width, int numHeads, String field, String widthField) {
        positive(numHeads, field);
        if (width % numHeads != 0) {
            throw new ConfigException("$." + field, numHeads + " heads do not divide " + widthField + " " + width);
        }
    }

    private static void ratio(double ratio, int width, String field) {
        if (!(ratio > 0) || Double.isInfinite(ratio) || (long) (width * ratio) < 1) {
            throw new ConfigException("$." + field, "must be a positive ratio giving an MLP width of at least 1, got " + ratio);
        }
    }

    private static void eps(float eps, String field) {
        if (!(eps > 0) || Float.isInfinite(eps)) {
            throw new ConfigException("$." + field, "must be a positive number, got " + eps);
        }
    }

    private static void channelValues(float[] values, String field, boolean strictlyPositive) {
        if (values.length != 3) {
            throw new ConfigException("$." + field, "needs 3 values (R, G, B), got " + values.length);
        }
        for (int i = 0; i < 3; i++) {
            if (!Float.isFinite(values[i]) || (strictlyPositive && values[i] <= 0)) {
                throw new ConfigException("$." + field + "[" + i + "]",
                        (strictlyPositive ? "must be a positive number" : "must be a finite number") + ", got "
                                + values[i]);
            }
        }
    }

    private static JsonArray array(float[] values) {
        JsonArray a = new JsonArray();
        for (float v : values) {
            a.add(new JsonPrimitive(v));
        }
        return a;
    }
}
