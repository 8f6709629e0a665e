package dev.seedj.diffusion;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a loader read, handed to {@link StableDiffusion}. Nullable fields are absent in one of the layouts.
 *
 * @param manager owns every parameter
 * @param device where the parameters live
 * @param unet the loaded UNet
 * @param vae the loaded VAE
 * @param layout the key layout
 * @param prediction what the UNet predicts
 * @param rounding the pipeline's uint8 rule
 * @param compVisSchedule CompVis: the YAML's schedule; diffusers: null
 * @param alphasCumprod CompVis: the checkpoint's {@code alphas_cumprod} buffer, if it has one; else null
 * @param schedulerConfig diffusers: {@code scheduler/scheduler_config.json}; CompVis: null
 * @param checkpointFile CompVis: the checkpoint file; diffusers: null
 * @param condStageTarget CompVis: {@code cond_stage_config.target}, null for {@code torch.nn.Identity}
 * @param componentFolders diffusers: component name to folder, for the components present
 * @param unusedKeys checkpoint keys no component reads
 */
record LoadedPipeline(NDManager manager, Device device, UNet unet, AutoencoderKL vae, CheckpointLayout layout,
        Prediction prediction, PixelRounding rounding, CompVisSchedule compVisSchedule, float[] alphasCumprod,
        JsonObject schedulerConfig, Path checkpointFile, String condStageTarget, Map<String, Path> componentFolders,
        List<String> unusedKeys) {}
