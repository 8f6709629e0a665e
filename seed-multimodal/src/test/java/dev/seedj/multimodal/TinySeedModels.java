package dev.seedj.multimodal;

import ai.djl.engine.Engine;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** The tiny models of the multimodal tests: the v2-tiny SEED-2 tokenizer and SEED-LLaMA directories on llama-tiny. */
final class TinySeedModels {
    /** The oracle's v2-tiny tokenizer (SEED-2: 8192 codes, 32 per image, a 1 x 64 image embedding). */
    static final String V2_TINY = """
            {"version": "v2", "image_size": 56, "resize": "bicubic",
             "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
             "vision": {"patch_size": 14, "width": 32, "depth": 2, "num_heads": 4, "mlp_ratio": 4.3637,
                        "layer_norm_eps": 1e-6, "ln_vision_eps": 1e-5},
             "qformer": {"hidden_size": 24, "num_layers": 3, "num_heads": 12, "intermediate_size": 96,
                         "cross_attention_freq": 2, "num_query_tokens": 32, "layer_norm_eps": 1e-12},
             "codebook": {"size": 8192, "dim": 32},
             "decoder": {"num_blocks": 4, "num_heads": 12, "mlp_ratio": 4.0, "layer_norm_eps": 1e-6,
                         "image_down": [256, 128, 32], "output_dim": 64},
             "weights": [{"file": "weights.safetensors"}]}""";

    /** The slow LLaMA tokenizer's files of llama-tiny (320 sentencepiece pieces + 8192 image tokens, <img>, </img>). */
    static final String[] LLAMA_TOKENIZER_FILES = {
        "tokenizer.model", "added_tokens.json", "special_tokens_map.json", "tokenizer_config.json"};

    private TinySeedModels() {
    }

    /** @return the v2-tiny SEED-2 tokenizer with the oracle's weights */
    static SeedTokenizer v2Tiny() {
        try (StateDict weights = StateDict.open(Oracle.path("v2-tiny", "weights.safetensors"))) {
            return SeedTokenizer.load(TokenizerConfig.parse(V2_TINY), weights, Engine.getInstance().defaultDevice());
        }
    }

    /**
     * A SEED-LLaMA directory in SEED's released layout made of llama-tiny's files (links): its float32
     * {@code model.safetensors}, its tokenizer files, and its {@code config.json} after {@code editConfig}.
     *
     * @param dir the directory to fill
     * @param editConfig changes to the config text
     * @param files the llama-tiny files to link besides config.json
     * @return {@code dir}
     */
    static Path llamaDir(Path dir, UnaryOperator<String> editConfig, String... files) {
        Path tiny = Oracle.path("llama-tiny");
        try {
            Files.createDirectories(dir);
            for (String f : files) {
                Files.createSymbolicLink(dir.resolve(f), tiny.resolve(f).toAbsolutePath());
            }
            Files.writeString(dir.resolve("config.json"), editConfig.apply(Files.readString(tiny.resolve("config.json"))));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return a SEED-LLaMA 8B-format directory: llama-tiny's config, weights and tokenizer files */
    static Path llamaDir(Path dir) {
        String[] files = new String[LLAMA_TOKENIZER_FILES.length + 1];
        System.arraycopy(LLAMA_TOKENIZER_FILES, 0, files, 0, LLAMA_TOKENIZER_FILES.length);
        files[files.length - 1] = "model.safetensors";
        return llamaDir(dir, c -> c, files);
    }
}
