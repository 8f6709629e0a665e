package dev.seedj.diffusion;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.LoadReport;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Loads a CompVis single-file Stable Diffusion checkpoint ({@code .ckpt} through the allow-list unpickler, or
 * {@code .safetensors}) with its inference YAML: {@code model.diffusion_model.*} into the UNet,
 * {@code first_stage_model.*} into the VAE; {@code cond_stage_model.*} is left to the text encoder.
 *
 * <p>Stateless and thread-safe.
 */
final class CompVisLoader {
    /** The YAML built in for SD v1.x checkpoints. */
    static final String V1_INFERENCE_YAML = "v1-inference.yaml";
    static final String UNET_PREFIX = "model.diffusion_model.";
    static final String VAE_PREFIX = "first_stage_model.";
    static final String TEXT_PREFIX = "cond_stage_model.";
    private static final String IDENTITY = "torch.nn.Identity";
    /** The DDPM schedule buffers LatentDiffusion saves beside the networks (recomputable from the YAML). */
    private static final Set<String> SCHEDULE_BUFFERS = Set.of("betas", "alphas_cumprod", "alphas_cumprod_prev",
            "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod",
            "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
            "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2", "logvar");

    private CompVisLoader() {}

    /**
     * @param checkpoint the {@code .ckpt} or {@code .safetensors} file
     * @param yaml the inference YAML, or null for the built-in {@code v1-inference.yaml}
     * @param device where the parameters go
     * @return the loaded pipeline (its manager owns everything)
     * @throws CheckpointException if a file is missing or unreadable, the YAML is unsupported, or the checkpoint
     *     does not match it
     */
    static LoadedPipeline load(Path checkpoint, Path yaml, Device device) {
        InferenceConfig config = readConfig(yaml);
        String yamlName = config.yamlName();
        UNetConfig unetConfig = config.unet();
        VaeConfig vaeConfig = config.vae();
        CompVisSchedule schedule = config.schedule();
        Prediction prediction = config.prediction();
        String condTarget = config.condStageTarget();
        try (StateDict weights = StateDict.open(checkpoint)) {
            NDManager manager = NDManager.newBaseManager(device);
            try {
                UNet unet = new UNet(unetConfig, CheckpointLayout.COMPVIS);
                LoadReport unetReport = load(unet, weights.stripPrefix(UNET_PREFIX), manager, "UNet", checkpoint,
                        yamlName);
                AutoencoderKL vae = new AutoencoderKL(vaeConfig, CheckpointLayout.COMPVIS, false);
                LoadReport vaeReport = load(vae, weights.stripPrefix(VAE_PREFIX), manager, "VAE", checkpoint,
                        yamlName);
                List<String> unused = new ArrayList<>();
                unetReport.unexpected().forEach(k -> unused.add(UNET_PREFIX + k));
                vaeReport.unexpected().forEach(k -> unused.add(VAE_PREFIX + k));
                for (String key : weights.keys()) {
                    if (!key.startsWith(UNET_PREFIX) && !key.startsWith(VAE_PREFIX) && !key.startsWith(TEXT_PREFIX)
                            && !SCHEDULE_BUFFERS.contains(key)) {
                        unused.add(key);
                    }
                }
                float[] alphas = weights.contains("alphas_cumprod") ? weights.getFloats("alphas_cumprod") : null;
                return new LoadedPipeline(manager, device, unet, vae, CheckpointLayout.COMPVIS, prediction,
                        PixelRounding.TRUNCATE, schedule, alphas, null, checkpoint,
                        IDENTITY.equals(condTarget) ? null : condTarget, Map.of(), unused);
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }
    }

    /**
     * What an inference YAML says about the networks and the schedule.
     *
     * @param yamlName the file, for messages
     * @param unet the UNet's shape
     * @param vae the VAE's shape
     * @param schedule the training noise schedule
     * @param prediction eps or v
     * @param condStageTarget {@code cond_stage_config.target}
     */
    record InferenceConfig(String yamlName, UNetConfig unet, VaeConfig vae, CompVisSchedule schedule,
            Prediction prediction, String condStageTarget) {}

    /**
     * @param yaml the inference YAML, or null for the built-in {@code v1-inference.yaml}
     * @return its content
     * @throws CheckpointException if it cannot be read or describes an unsupported model
     */
    static InferenceConfig readConfig(Path yaml) {
        String yamlName = yaml == null ? "built-in " + V1_INFERENCE_YAML : yaml.toString();
        YamlNode root = new YamlNode(readYaml(yaml, yamlName), "", yamlName);
        YamlNode model = root.child("model");
        String target = model.string("target", "");
        if (!target.endsWith("LatentDiffusion")) {
            throw model.error("target", "is '" + target + "', not a (CompVis) LatentDiffusion model");
        }
        YamlNode params = model.child("params");
        String conditioning = params.string("conditioning_key", "crossattn");
        if (!conditioning.startsWith("crossattn")) {
            throw params.error("conditioning_key", "is '" + conditioning + "'; only cross-attention is supported");
        }
        float scaleFactor = (float) params.number("scale_factor", 1.0);
        String condTarget = params.has("cond_stage_config")
                ? params.child("cond_stage_config").string("target", IDENTITY) : IDENTITY;
        CompVisSchedule schedule = new CompVisSchedule(params.number("linear_start", 1e-4),
                params.number("linear_end", 2e-2), params.integer("timesteps", 1000),
                params.string("beta_schedule", "linear"));
        Prediction prediction;
        try {
            prediction = Prediction.fromName(params.string("parameterization", "eps"));
        } catch (IllegalArgumentException e) {
            throw params.error("parameterization", e.getMessage());
        }
        try {
            return new InferenceConfig(yamlName, unetConfig(params.child("unet_config")),
                    vaeConfig(params.child("first_stage_config"), scaleFactor), schedule, prediction, condTarget);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(yamlName + ": " + e.getMessage(), e);
        }
    }

    /** Loads one network, naming the checkpoint and the YAML when they disagree. */
    private static LoadReport load(SeedBlock block, StateDict weights, NDManager manager, String what,
            Path checkpoint, String yamlName) {
        try {
            return StateDictLoader.load(block, weights, manager);
        } catch (CheckpointException e) {
            throw new CheckpointException(checkpoint + " does not match the inference YAML " + yamlName + " ("
                    + what + "): " + e.getMessage(), e);
        }
    }

    private static Map<?, ?> readYaml(Path yaml, String name) {
        Yaml parser = new Yaml(new SafeConstructor(new LoaderOptions()));
        Object parsed;
        try (InputStream in = yaml == null ? CompVisLoader.class.getResourceAsStream(V1_INFERENCE_YAML)
                : Files.newInputStream(yaml)) {
            if (in == null) {
                throw new CheckpointException("the built-in " + V1_INFERENCE_YAML + " is missing from the class path");
            }
            parsed = parser.load(in);
        } catch (IOException e) {
            throw new CheckpointException(name + ": cannot read the inference YAML: " + e, e);
        } catch (RuntimeException e) {
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(name + ": not a valid YAML file: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new CheckpointException(name + ": the inference YAML is not a mapping");
        }
        return map;
    }

    /** CompVis {@code openaimodel.UNetModel} parameters, with the reference's head arithmetic. */
    static UNetConfig unetConfig(YamlNode unet) {
        String target = unet.string("target", "");
        if (!target.endsWith("UNetModel")) {
            throw unet.error("target", "is '" + target + "', not openaimodel.UNetModel");
        }
        YamlNode p = unet.child("params");
        if (!p.bool("use_spatial_transformer", false)) {
            throw p.error("use_spatial_transformer", "must be true (Stable Diffusion's cross-attention UNet)");
        }
        for (String unsupported : List.of("disable_self_attentions", "num_attention_blocks")) {
            if (p.has(unsupported)) {
                throw p.error(unsupported, "is not supported");
            }
        }
        int modelChannels = p.integer("model_channels", null);
        List<Integer> mult = p.integers("channel_mult", true);
        List<Integer> attentionResolutions = p.integers("attention_resolutions", true);
        int numHeads = p.integer("num_heads", -1);
        int numHeadChannels = p.integer("num_head_channels", -1);
        if (numHeads == -1 && numHeadChannels == -1) {
            throw p.error("num_heads", "or num_head_channels must be set");
        }
        boolean legacy = p.bool("legacy", true);
        List<Boolean> attention = new ArrayList<>();
        List<Integer> heads = new ArrayList<>();
        List<Integer> dimHead = new ArrayList<>();
        for (int level = 0; level < mult.size(); level++) {
            int ch = modelChannels * mult.get(level);
            attention.add(attentionResolutions.contains(1 << level)); // ds = 2^level
            int h;
            int d;
            if (numHeadChannels == -1) {
                h = numHeads;
                d = ch / numHeads;
            } else {
                h = ch / numHeadChannels;
                d = numHeadChannels;
            }
            if (legacy) {
                d = ch / h; // use_spatial_transformer is true
            }
            heads.add(h);
            dimHead.add(d);
        }
        long classDim = 0;
        if (p.has("num_classes")) {
            if (!"sequential".equals(p.string("num_classes", ""))) {
                throw p.error("num_classes", "is supported only as \"sequential\" (an adm_in_channels projection)");
            }
            classDim = p.integer("adm_in_channels", null);
        }
        return new UNetConfig(p.integer("in_channels", null), p.integer("out_channels", null), modelChannels, mult,
                p.integer("num_res_blocks", null), attention, heads, dimHead, p.integer("transformer_depth", 1),
                p.integer("context_dim", null), p.bool("use_linear_in_transformer", false), classDim);
    }

    /** CompVis {@code AutoencoderKL} parameters. */
    static VaeConfig vaeConfig(YamlNode firstStage, float scaleFactor) {
        String target = firstStage.string("target", "");
        if (!target.endsWith("AutoencoderKL")) {
            throw firstStage.error("target", "is '" + target + "', not an AutoencoderKL");
        }
        YamlNode p = firstStage.child("params");
        YamlNode dd = p.child("ddconfig");
        if (!dd.bool("double_z", true)) {
            throw dd.error("double_z", "must be true for a KL autoencoder");
        }
        int in = dd.integer("in_channels", null);
        if (dd.integer("out_ch", null) != in) {
            throw dd.error("out_ch", "must equal in_channels");
        }
        List<Integer> mult = dd.integers("ch_mult", true);
        List<Integer> attnResolutions = dd.integers("attn_resolutions", false);
        int resolution = dd.integer("resolution", null);
        List<Boolean> attention = new ArrayList<>();
        for (int level = 0; level < mult.size(); level++) {
            attention.add(attnResolutions.contains(resolution >> level));
        }
        return new VaeConfig(in, dd.integer("ch", null), mult, dd.integer("num_res_blocks", null), attention,
                dd.integer("z_channels", null), p.integer("embed_dim", null), scaleFactor);
    }
}
