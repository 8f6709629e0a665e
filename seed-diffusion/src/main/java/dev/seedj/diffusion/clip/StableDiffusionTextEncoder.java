package dev.seedj.diffusion.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Prompts to Stable Diffusion's cross-attention context [B, 77, D]: the {@link ClipTokenizer} frames each prompt
 * as 77 ids with the pipeline's padding, the {@link ClipTextModel} encodes them, and the pipeline's layer is read
 * ({@link ClipLayer}). The unconditional context of both SEED pipelines is {@code encode(List.of(""))}.
 *
 * <p>Owns the model: close it when done. {@link #encode} may run concurrently; {@link #close()} must not race it.
 */
public final class StableDiffusionTextEncoder implements AutoCloseable {
    private final ClipTokenizer tokenizer;
    private final ClipTextModel model;
    private final ClipLayer layer;
    private final int padId;

    /**
     * @param tokenizer the tokenizer
     * @param model the text model (owned from now on)
     * @param layer the layer the pipeline reads
     * @param padId the padding id (SD v1: EOS; SD 2.x: 0)
     */
    public StableDiffusionTextEncoder(ClipTokenizer tokenizer, ClipTextModel model, ClipLayer layer, int padId) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.model = Objects.requireNonNull(model, "model");
        this.layer = Objects.requireNonNull(layer, "layer");
        this.padId = padId;
    }

    /**
     * A diffusers pipeline folder's {@code text_encoder/} and {@code tokenizer/}: {@link ClipLayer#LAST} (an SD 2
     * folder's encoder already lacks its last block); the padding is the tokenizer config's {@code pad_token}
     * ({@code <|endoftext|>} in SD v1 folders, {@code !} = id 0 in SD 2 folders).
     *
     * @param pipelineFolder the folder
     * @param device where the weights live
     * @return the encoder
     * @throws IllegalArgumentException if the tokenizer files are missing or malformed
     * @throws dev.seedj.core.weights.CheckpointException if the text encoder weights are missing or broken
     */
    public static StableDiffusionTextEncoder fromDiffusersFolder(Path pipelineFolder, Device device) {
        Path tokenizerDir = pipelineFolder.resolve("tokenizer");
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(tokenizerDir);
        int pad = padId(tokenizer, tokenizerDir.resolve("tokenizer_config.json"));
        return new StableDiffusionTextEncoder(tokenizer, ClipTextModel.load(pipelineFolder.resolve("text_encoder"), device),
                ClipLayer.LAST, pad);
    }

    /**
     * SD v1.x from a CompVis checkpoint ({@code cond_stage_model.transformer.text_model.*}): CLIP ViT-L/14,
     * {@code last_hidden_state}, padded with EOS.
     *
     * @param checkpoint the checkpoint's tensors
     * @param tokenizer CLIP's tokenizer (e.g. {@link ClipTokenizer#fromOpenAiBpe} of {@code bpe_simple_vocab_16e6.txt.gz})
     * @param device where the weights live
     * @return the encoder
     */
    public static StableDiffusionTextEncoder sdV1(StateDict checkpoint, ClipTokenizer tokenizer, Device device) {
        return new StableDiffusionTextEncoder(tokenizer,
                ClipTextModel.load(ClipTextConfig.CLIP_VIT_L_14, checkpoint, device), ClipLayer.LAST, tokenizer.eosId());
    }

    /**
     * SD 2.x from a CompVis checkpoint ({@code cond_stage_model.model.*}): OpenCLIP ViT-H/14, the penultimate
     * layer, padded with 0.
     *
     * @param checkpoint the checkpoint's tensors
     * @param tokenizer CLIP's tokenizer
     * @param device where the weights live
     * @return the encoder
     */
    public static StableDiffusionTextEncoder sd2(StateDict checkpoint, ClipTokenizer tokenizer, Device device) {
        return new StableDiffusionTextEncoder(tokenizer,
                ClipTextModel.load(ClipTextConfig.OPEN_CLIP_VIT_H_14, checkpoint, device), ClipLayer.PENULTIMATE, 0);
    }

    /**
     * @param prompts one prompt per batch row ({@code ""} for the unconditional context)
     * @param manager owns the result
     * @return the context [B, 77, D]
     */
    public NDArray encode(List<String> prompts, NDManager manager) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts to encode");
        }
        long[][] ids = new long[prompts.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenizer.inputIds(prompts.get(i), padId);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray out = model.encode(scope.create(ids), layer, scope);
            out.attach(manager);
            return out;
        }
    }

    /** @return the tokenizer */
    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** @return the text model */
    public ClipTextModel model() {
        return model;
    }

    /** @return the layer read */
    public ClipLayer layer() {
        return layer;
    }

    /** @return the padding id */
    public int padId() {
        return padId;
    }

    /** Frees the model's weights. */
    @Override
    public void close() {
        model.close();
    }

    private static int padId(ClipTokenizer tokenizer, Path config) {
        if (!Files.isRegularFile(config)) {
            return tokenizer.eosId();
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(config, StandardCharsets.UTF_8)).getAsJsonObject();
            if (!o.has("pad_token") || o.get("pad_token").isJsonNull()) {
                return tokenizer.eosId();
            }
            String pad = o.get("pad_token").isJsonObject()
                    ? o.getAsJsonObject("pad_token").get("content").getAsString()
                    : o.get("pad_token").getAsString();
            return tokenizer.id(pad);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read pad_token from " + config + ": " + e.getMessage(), e);
        }
    }
}
