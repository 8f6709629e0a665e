package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.SeedBlock;

/**
 * Stable Diffusion's KL autoencoder (CompVis {@code AutoencoderKL} under {@code first_stage_model.}, diffusers
 * {@code vae/}): {@code encoder} + {@code quant_conv} give the latent Gaussian's moments, {@code post_quant_conv} +
 * {@code decoder} turn a latent into a picture in about [-1, 1]. Scaling by the scale factor is the caller's (see
 * {@link StableDiffusion#decodeLatents}).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class AutoencoderKL extends SeedBlock {
    private final VaeConfig config;
    private final VaeEncoder encoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;
    private final VaeDecoder decoder;

    /**
     * @param config the VAE's shape
     * @param layout key layout
     * @param legacyAttentionNames diffusers only: the attention layers are named {@code query, key, value,
     *     proj_attn} (diffusers before 0.14) rather than {@code to_q, to_k, to_v, to_out.0}
     */
    public AutoencoderKL(VaeConfig config, CheckpointLayout layout, boolean legacyAttentionNames) {
        this.config = config;
        VaeAttention.Names attention = layout == CheckpointLayout.COMPVIS ? VaeAttention.Names.COMPVIS
                : legacyAttentionNames ? VaeAttention.Names.DIFFUSERS_LEGACY : VaeAttention.Names.DIFFUSERS;
        this.encoder = declareChild("encoder", new VaeEncoder(config, layout, attention));
        this.quantConv = declareChild("quant_conv",
                new Conv2d(2L * config.latentChannels(), 2L * config.embedDim(), 1, 1, 0, true));
        this.postQuantConv = declareChild("post_quant_conv",
                new Conv2d(config.embedDim(), config.latentChannels(), 1, 1, 0, true));
        this.decoder = declareChild("decoder", new VaeDecoder(config, layout, attention));
    }

    /** @return the VAE's shape */
    public VaeConfig config() {
        return config;
    }

    /**
     * @param latents [B, embedDim, h, w], already divided by the scale factor
     * @param recorder receives {@code post_quant_conv}, {@code decoder.*} and {@code decoded}
     * @return [B, imageChannels, h f, w f], in {@code latents}' manager
     * @throws IllegalArgumentException if the latents do not have the VAE's channel count
     */
    public NDArray decode(NDArray latents, ActivationRecorder recorder) {
        Shape s = latents.getShape();
        if (s.dimension() != 4 || s.get(1) != config.embedDim()) {
            throw new IllegalArgumentException("latents must be [B, " + config.embedDim() + ", h, w], got " + s);
        }
        NDArray z = postQuantConv.forward(latents);
        recorder.record("post_quant_conv", z);
        NDArray decoded = decoder.forward(z, recorder.scope("decoder"));
        recorder.record("decoded", decoded);
        return decoded;
    }

    /**
     * @param images [B, imageChannels, H, W] in [-1, 1]; H and W multiples of {@link VaeConfig#downscale()}
     * @return the latent Gaussian's moments [B, 2 x embedDim, H / f, W / f]: mean, then log-variance (unscaled)
     * @throws IllegalArgumentException if the size is not a multiple of the downscale or the channels differ
     */
    public NDArray encodeMoments(NDArray images) {
        Shape s = images.getShape();
        int f = config.downscale();
        if (s.dimension() != 4 || s.get(1) != config.imageChannels()) {
            throw new IllegalArgumentException("images must be [B, " + config.imageChannels() + ", H, W], got " + s);
        }
        if (s.get(2) % f != 0 || s.get(3) % f != 0 || s.get(2) == 0 || s.get(3) == 0) {
            throw new IllegalArgumentException("image height and width must be positive multiples of " + f
                    + ", got " + s.get(2) + " x " + s.get(3));
        }
        return Scopes.consume(encoder.forward(images), quantConv::forward);
    }
}
