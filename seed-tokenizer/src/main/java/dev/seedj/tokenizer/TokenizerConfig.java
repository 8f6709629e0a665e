package dev.seedj.tokenizer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.seedj.core.image.ResizeMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The configuration of a SEED tokenizer, read from a model directory's {@code seed-tokenizer.json}: the
 * version ({@code v1}: Reverse Q-Former decoder to Stable Diffusion text conditioning; {@code v2}:
 * unCLIP image-embedding decoder), the preprocessing, the sizes of every component and the weight files.
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

    /**
     * Builds and checks a config.
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
        validate();
    }

    /**
     * Reads a config file.
     *
     * @param file a {@code seed-tokenizer.json}
     * @return the config
     * @throws ConfigException naming the file and the bad field
     * @throws UncheckedIOException if the file cannot be read
     */
    public static TokenizerConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("no tokenizer config at " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer config " + file, e);
        }
        try {
            return parse(text);
        } catch (ConfigException e) {
            throw e.in(file.toString());
        }
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
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new ConfigException("(root)", "not valid JSON: " + e.getMessage());
        }
        if (!root.isJsonObject()) {
            throw new ConfigException("(root)", "expected a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        Version version = parseVersion(string(o, "version", "version"));
        JsonObject v = object(o, "vision", "vision");
        Vision vision = new Vision(
                integer(v, "patch_size", "vision.patch_size"),
                integer(v, "width", "vision.width"),
                integer(v, "depth", "vision.depth"),
                integer(v, "num_heads", "vision.num_heads"),
                number(v, "mlp_ratio", "vision.mlp_ratio"),
                (float) number(v, "layer_norm_eps", "vision.layer_norm_eps"),
                (float) number(v, "ln_vision_eps", "vision.ln_vision_eps"));
        JsonObject q = object(o, "qformer", "qformer");
        QFormer qformer = new QFormer(
                integer(q, "hidden_size", "qformer.hidden_size"),
                integer(q, "num_layers", "qformer.num_layers"),
                integer(q, "num_heads", "qformer.num_heads"),
                integer(q, "intermediate_size", "qformer.intermediate_size"),
                integer(q, "cross_attention_freq", "qformer.cross_attention_freq"),
                integer(q, "num_query_tokens", "qformer.num_query_tokens"),
                (float) number(q, "layer_norm_eps", "qformer.layer_norm_eps"));
        JsonObject c = object(o, "codebook", "codebook");
        Codebook codebook = new Codebook(integer(c, "size", "codebook.size"), integer(c, "dim", "codebook.dim"));
        JsonObject d = object(o, "decoder", "decoder");
        boolean v1 = version == Version.V1;
        Decoder decoder = new Decoder(
                integer(d, "num_blocks", "decoder.num_blocks"),
                integer(d, "num_heads", "decoder.num_heads"),
                number(d, "mlp_ratio", "decoder.mlp_ratio"),
                (float) number(d, "layer_norm_eps", "decoder.layer_norm_eps"),
                integer(d, "output_dim", "decoder.output_dim"),
                v1 ? integer(d, "reverse_qformer_layers", "decoder.reverse_qformer_layers") : 0,
                v1 ? integer(d, "reverse_query_tokens", "decoder.reverse_query_tokens") : 0,
                v1 ? List.of() : imageDown(d));
        return new TokenizerConfig(
                version,
                integer(o, "image_size", "image_size"),
                parseResize(string(o, "resize", "resize")),
                floats(o, "image_mean", "image_mean"),
                floats(o, "image_std", "image_std"),
                vision,
                qformer,
                codebook,
                decoder,
                weightFiles(o));
    }

    /** @return the config as JSON, in the layout {@link #parse} reads */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("version", version.jsonName());
        o.addProperty("image_size", imageSize);
        o.addProperty("resize", resize.name().toLowerCase(Locale.ROOT));
        o.add("image_mean", array(imageMean));
        o.add("image_std", array(imageStd));
        JsonObject v = new JsonObject();
        v.addProperty("patch_size", vision.patchSize());
        v.addProperty("width", vision.width());
        v.addProperty("depth", vision.depth());
        v.addProperty("num_heads", vision.numHeads());
        v.addProperty("mlp_ratio", vision.mlpRatio());
        v.addProperty("layer_norm_eps", vision.layerNormEps());
        v.addProperty("ln_vision_eps", vision.lnVisionEps());
        o.add("vision", v);
        JsonObject q = new JsonObject();
        q.addProperty("hidden_size", qformer.hiddenSize());
        q.addProperty("num_layers", qformer.numLayers());
        q.addProperty("num_heads", qformer.numHeads());
        q.addProperty("intermediate_size", qformer.intermediateSize());
        q.addProperty("cross_attention_freq", qformer.crossAttentionFreq());
        q.addProperty("num_query_tokens", qformer.numQueryTokens());
        q.addProperty("layer_norm_eps", qformer.layerNormEps());
        o.add("qformer", q);
        JsonObject c = new JsonObject();
        c.addProperty("size", codebook.size());
        c.addProperty("dim", codebook.dim());
        o.add("codebook", c);
        JsonObject d = new JsonObject();
        d.addProperty("num_blocks", decoder.numBlocks());
        d.addProperty("num_heads", decoder.numHeads());
        d.addProperty("mlp_ratio", decoder.mlpRatio());
        d.addProperty("layer_norm_eps", decoder.layerNormEps());
        if (version == Version.V1) {
            d.addProperty("reverse_qformer_layers", decoder.reverseQformerLayers());
            d.addProperty("reverse_query_tokens", decoder.reverseQueryTokens());
        } else {
            JsonArray down = new JsonArray();
            decoder.imageDown().forEach(down::add);
            d.add("image_down", down);
        }
        d.addProperty("output_dim", decoder.outputDim());
        o.add("decoder", d);
        JsonArray w = new JsonArray();
        for (WeightFile f : weights) {
            JsonObject entry = new JsonObject();
            entry.addProperty("file", f.file());
            if (!f.prefix().isEmpty()) {
                entry.addProperty("prefix", f.prefix());
            }
            w.add(entry);
        }
        o.add("weights", w);
        return new GsonBuilder().setPrettyPrinting().create().toJson(o);
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
            throw new ConfigException("image_size",
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
                throw new ConfigException("decoder.image_down", "a v2 decoder needs at least one image_down layer");
            }
            for (int i = 0; i < decoder.imageDown().size(); i++) {
                positive(decoder.imageDown().get(i), "decoder.image_down[" + i + "]");
            }
        }
        if (weights.isEmpty()) {
            throw new ConfigException("weights", "lists no weight file");
        }
        for (int i = 0; i < weights.size(); i++) {
            WeightFile f = weights.get(i);
            if (f == null || f.file() == null || f.file().isBlank()) {
                throw new ConfigException("weights[" + i + "].file", "missing or empty");
            }
            if (f.prefix() == null) {
                throw new ConfigException("weights[" + i + "].prefix", "must not be null (use an empty prefix)");
            }
        }
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new ConfigException(field, "missing");
        }
        return value;
    }

    private static void positive(int value, String field) {
        if (value <= 0) {
            throw new ConfigException(field, "must be a positive integer, got " + value);
        }
    }

    private static void heads(int width, int numHeads, String field, String widthField) {
        positive(numHeads, field);
        if (width % numHeads != 0) {
            throw new ConfigException(field, numHeads + " heads do not divide " + widthField + " " + width);
        }
    }

    private static void ratio(double ratio, int width, String field) {
        if (!(ratio > 0) || Double.isInfinite(ratio) || (long) (width * ratio) < 1) {
            throw new ConfigException(field, "must be a positive ratio giving an MLP width of at least 1, got " + ratio);
        }
    }

    private static void eps(float eps, String field) {
        if (!(eps > 0) || Float.isInfinite(eps)) {
            throw new ConfigException(field, "must be a positive number, got " + eps);
        }
    }

    private static void channelValues(float[] values, String field, boolean strictlyPositive) {
        if (values.length != 3) {
            throw new ConfigException(field, "needs 3 values (R, G, B), got " + values.length);
        }
        for (int i = 0; i < 3; i++) {
            if (!Float.isFinite(values[i]) || (strictlyPositive && values[i] <= 0)) {
                throw new ConfigException(field + "[" + i + "]",
                        (strictlyPositive ? "must be a positive number" : "must be a finite number") + ", got "
                                + values[i]);
            }
        }
    }

    private static Version parseVersion(String s) {
        for (Version v : Version.values()) {
            if (v.jsonName().equals(s)) {
                return v;
            }
        }
        throw new ConfigException("version", "must be \"v1\" or \"v2\", got \"" + s + "\"");
    }

    private static ResizeMode parseResize(String s) {
        return switch (s) {
            case "bicubic" -> ResizeMode.BICUBIC;
            case "bilinear" -> ResizeMode.BILINEAR;
            default -> throw new ConfigException("resize", "must be \"bicubic\" or \"bilinear\", got \"" + s + "\"");
        };
    }

    private static List<Integer> imageDown(JsonObject d) {
        if (!d.has("image_down")) {
            return DEFAULT_IMAGE_DOWN;
        }
        JsonArray a = array(d, "image_down", "decoder.image_down");
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            out.add(integerValue(a.get(i), "decoder.image_down[" + i + "]"));
        }
        return out;
    }

    private static List<WeightFile> weightFiles(JsonObject o) {
        JsonArray a = array(o, "weights", "weights");
        List<WeightFile> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            String path = "weights[" + i + "]";
            if (!a.get(i).isJsonObject()) {
                throw new ConfigException(path, "expected an object {\"file\": ..., \"prefix\": ...}");
            }
            JsonObject entry = a.get(i).getAsJsonObject();
            String prefix = entry.has("prefix") ? string(entry, "prefix", path + ".prefix") : "";
            out.add(new WeightFile(string(entry, "file", path + ".file"), prefix));
        }
        return out;
    }

    private static JsonElement member(JsonObject o, String key, String path) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new ConfigException(path, "missing");
        }
        return e;
    }

    private static JsonObject object(JsonObject o, String key, String path) {
        JsonElement e = member(o, key, path);
        if (!e.isJsonObject()) {
            throw new ConfigException(path, "expected an object, got " + e);
        }
        return e.getAsJsonObject();
    }

    private static JsonArray array(JsonObject o, String key, String path) {
        JsonElement e = member(o, key, path);
        if (!e.isJsonArray()) {
            throw new ConfigException(path, "expected an array, got " + e);
        }
        return e.getAsJsonArray();
    }

    private static String string(JsonObject o, String key, String path) {
        JsonElement e = member(o, key, path);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new ConfigException(path, "expected a string, got " + e);
        }
        return e.getAsString();
    }

    private static double number(JsonObject o, String key, String path) {
        return numberValue(member(o, key, path), path);
    }

    private static double numberValue(JsonElement e, String path) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new ConfigException(path, "expected a number, got " + e);
        }
        return e.getAsDouble();
    }

    private static int integer(JsonObject o, String key, String path) {
        return integerValue(member(o, key, path), path);
    }

    private static int integerValue(JsonElement e, String path) {
        double d = numberValue(e, path);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new ConfigException(path, "expected an integer, got " + e);
        }
        return (int) d;
    }

    private static float[] floats(JsonObject o, String key, String path) {
        JsonArray a = array(o, key, path);
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) numberValue(a.get(i), path + "[" + i + "]");
        }
        return out;
    }

    private static JsonArray array(float[] values) {
        JsonArray a = new JsonArray();
        for (float v : values) {
            a.add(new JsonPrimitive(v));
        }
        return a;
    }
}
