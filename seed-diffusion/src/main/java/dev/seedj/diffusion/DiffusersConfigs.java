package dev.seedj.diffusion;

import com.google.gson.JsonObject;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.core.weights.CheckpointException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads diffusers {@code UNet2DConditionModel} and {@code AutoencoderKL} configs into {@link UNetConfig} and
 * {@link VaeConfig}, refusing the options this port does not implement rather than ignoring them.
 *
 * <p>Stateless and thread-safe.
 */
final class DiffusersConfigs {
    /** diffusers' default {@code attention_head_dim} (a head count in UNet2DConditionModel). */
    private static final int DEFAULT_HEADS = 8;

    private DiffusersConfigs() {}

    static UNetConfig unet(JsonObject c, Path file) {
        Reader r = new Reader(c, file);
        r.expect("center_input_sample", false);
        r.expect("flip_sin_to_cos", true);
        r.expect("freq_shift", 0);
        r.expect("norm_num_groups", 32);
        r.expect("norm_eps", 1e-5);
        r.expect("act_fn", "silu");
        r.expect("conv_in_kernel", 3);
        r.expect("conv_out_kernel", 3);
        r.expect("downsample_padding", 1);
        r.expect("mid_block_scale_factor", 1);
        r.expect("resnet_time_scale_shift", "default");
        r.expect("time_embedding_type", "positional");
        r.expect("mid_block_type", "UNetMidBlock2DCrossAttn");
        r.expect("only_cross_attention", false);
        r.expect("dual_cross_attention", false);
        r.expect("class_embeddings_concat", false);
        r.expect("resnet_skip_time_act", false);
        r.expect("resnet_out_scale_factor", 1.0);
        for (String absent : List.of("addition_embed_type", "encoder_hid_dim", "time_cond_proj_dim",
                "time_embedding_dim", "timestep_post_act", "num_class_embeds")) {
            r.expectNull(absent);
        }
        List<Integer> channels = r.integers("block_out_channels");
        int base = channels.get(0);
        List<Integer> mult = new ArrayList<>();
        for (int ch : channels) {
            if (ch % base != 0) {
                throw r.error("block_out_channels", "must be multiples of the first entry, got " + channels);
            }
            mult.add(ch / base);
        }
        int levels = channels.size();
        List<String> downTypes = r.strings("down_block_types");
        List<String> upTypes = r.strings("up_block_types");
        if (downTypes.size() != levels || upTypes.size() != levels) {
            throw r.error("down_block_types", "and up_block_types need one entry per level");
        }
        List<Boolean> attention = new ArrayList<>();
        for (int level = 0; level < levels; level++) {
            String down = downTypes.get(level);
            String up = upTypes.get(levels - 1 - level);
            boolean cross = down.equals("CrossAttnDownBlock2D");
            if (!(cross || down.equals("DownBlock2D"))
                    || !up.equals(cross ? "CrossAttnUpBlock2D" : "UpBlock2D")) {
                throw r.error("down_block_types", "must mirror up_block_types with CrossAttn*/plain 2D blocks, got "
                        + downTypes + " / " + upTypes);
            }
            attention.add(cross);
        }
        // diffusers 0.20: num_attention_heads = num_attention_heads or attention_head_dim (the latter is a head count)
        String headsKey = r.isNull("num_attention_heads") ? "attention_head_dim" : "num_attention_heads";
        List<Integer> heads = r.isNull(headsKey) ? Collections.nCopies(levels, DEFAULT_HEADS)
                : r.perLevel(headsKey, levels);
        List<Integer> dimHead = new ArrayList<>();
        for (int level = 0; level < levels; level++) {
            if (channels.get(level) % heads.get(level) != 0) {
                throw r.error(headsKey, "does not divide the channels " + channels);
            }
            dimHead.add(channels.get(level) / heads.get(level));
        }
        long classDim = 0;
        if (!r.isNull("class_embed_type")) {
            if (!"projection".equals(r.string("class_embed_type"))) {
                throw r.error("class_embed_type", "is supported only as \"projection\"");
            }
            classDim = r.integer("projection_class_embeddings_input_dim", null);
        }
        int depth = r.perLevel("transformer_layers_per_block", levels).stream().distinct().count() == 1
                ? r.perLevel("transformer_layers_per_block", levels).get(0) : -1;
        if (depth < 1) {
            throw r.error("transformer_layers_per_block", "must be one positive value for all levels");
        }
        return new UNetConfig(r.integer("in_channels", 4), r.integer("out_channels", 4), base, mult,
                r.integer("layers_per_block", 2), attention, heads, dimHead, depth,
                r.integer("cross_attention_dim", null), r.bool("use_linear_projection", false), classDim);
    }

    static VaeConfig vae(JsonObject c, Path file) {
        Reader r = new Reader(c, file);
        r.expect("act_fn", "silu");
        r.expect("norm_num_groups", 32);
        List<Integer> channels = r.integers("block_out_channels");
        int base = channels.get(0);
        List<Integer> mult = new ArrayList<>();
        List<Boolean> attention = new ArrayList<>();
        for (int ch : channels) {
            if (ch % base != 0) {
                throw r.error("block_out_channels", "must be multiples of the first entry, got " + channels);
            }
            mult.add(ch / base);
            attention.add(false);
        }
        for (String type : r.strings("down_block_types")) {
            if (!type.equals("DownEncoderBlock2D")) {
                throw r.error("down_block_types", "supports only DownEncoderBlock2D, got " + type);
            }
        }
        for (String type : r.strings("up_block_types")) {
            if (!type.equals("UpDecoderBlock2D")) {
                throw r.error("up_block_types", "supports only UpDecoderBlock2D, got " + type);
            }
        }
        int in = r.integer("in_channels", 3);
        if (r.integer("out_channels", 3) != in) {
            throw r.error("out_channels", "must equal in_channels");
        }
        int latent = r.integer("latent_channels", 4);
        return new VaeConfig(in, base, mult, r.integer("layers_per_block", 1), attention, latent, latent,
                r.decimal("scaling_factor", 0.18215));
    }

    /** Typed access through {@link ConfigValue}: every message names the file and the JSON path. */
    private static final class Reader {
        private final ConfigValue root;
        private final Path file;

        Reader(JsonObject c, Path file) {
            this.root = ConfigValue.of(c);
            this.file = file;
        }

        boolean isNull(String key) {
            return !root.get(key).isPresent();
        }

        CheckpointException error(String key, String problem) {
            return failure(root.get(key).error(problem));
        }

        private CheckpointException failure(ConfigException e) {
            return new CheckpointException(e.in(file.toString()).getMessage(), e);
        }

        void expectNull(String key) {
            if (!isNull(key)) {
                throw error(key, "is not supported (got " + root.get(key).json() + ")");
            }
        }

        void expect(String key, Object value) {
            ConfigValue v = root.get(key);
            if (!v.isPresent()) {
                return;
            }
            boolean same;
            try {
                if (value instanceof Boolean b) {
                    same = v.isBoolean() && v.asBoolean() == b;
                } else if (value instanceof Number n) {
                    same = !v.isString() && !v.isBoolean() && v.asDouble() == n.doubleValue();
                } else {
                    same = v.isString() && v.asString().equals(value);
                }
            } catch (ConfigException e) {
                same = false;
            }
            if (!same) {
                throw error(key, "= " + v.json() + " is not supported (only " + value + ")");
            }
        }

        Integer integer(String key, Integer fallback) {
            try {
                ConfigValue v = root.get(key);
                if (!v.isPresent() && fallback == null) {
                    throw v.error("is missing");
                }
                return v.isPresent() ? v.asInt() : fallback;
            } catch (ConfigException e) {
                throw failure(e);
            }
        }

        boolean bool(String key, boolean fallback) {
            try {
                return root.get(key).asBoolean(fallback);
            } catch (ConfigException e) {
                throw failure(e);
            }
        }

        String string(String key) {
            try {
                return root.get(key).asString();
            } catch (ConfigException e) {
                throw failure(e);
            }
        }

        List<Integer> integers(String key) {
            try {
                List<Integer> values = root.get(key).asList(ConfigValue::asInt);
                if (values.isEmpty()) {
                    throw root.get(key).error("must be a non-empty list");
                }
                return values;
            } catch (ConfigException e) {
                throw failure(e);
            }
        }

        List<String> strings(String key) {
            try {
                return root.get(key).asList(ConfigValue::asString);
            } catch (ConfigException e) {
                throw failure(e);
            }
        }

        /** An int for every level, or one int for all (absent: 1). */
        List<Integer> perLevel(String key, int levels) {
            ConfigValue v = root.get(key);
            if (!v.isPresent()) {
                return Collections.nCopies(levels, 1);
            }
            if (v.isArray()) {
                List<Integer> values = integers(key);
                if (values.size() != levels) {
                    throw error(key, "needs one entry per level (" + levels + "), got " + values);
                }
                return values;
            }
            return Collections.nCopies(levels, integer(key, null));
        }

        float decimal(String key, double fallback) {
            try {
                return (float) root.get(key).asDouble(fallback);
            } catch (ConfigException e) {
                throw failure(e);
            }
        }
    }
}
