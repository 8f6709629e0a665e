package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.GroupNorm;
import dev.seedj.core.nn.SeedBlock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The conditional UNet of Stable Diffusion: CompVis {@code openaimodel.UNetModel} with SpatialTransformers, and
 * diffusers {@code UNet2DConditionModel} as SD 2.1 unCLIP configures it (projection class embedding). One network,
 * two key layouts ({@link CheckpointLayout}):
 *
 * <pre>
 * t_emb = sinusoid(t)                      [B, C0]          emb = time_embed(t_emb) (+ label_emb(y))  [B, 4 C0]
 * h = conv_in(x)                           CompVis input_blocks.0.0            diffusers conv_in
 * per level: ResBlock (+ SpatialTransformer) x N, then a stride-2 conv     input_blocks.k / down_blocks.i
 * middle: ResBlock, SpatialTransformer, ResBlock                            middle_block / mid_block
 * per level, deepest first: cat(h, skip), ResBlock (+ ST) x (N + 1), then 2x upsampling   output_blocks.k / up_blocks.u
 * out = conv(silu(GroupNorm(h)))           out.{0,2}                          conv_norm_out, conv_out
 * </pre>
 *
 * <p>Inference only: each step runs in a sub-manager that frees its intermediates; the skip connections live until
 * the up path consumes them. Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class UNet extends SeedBlock {
    private static final float RESNET_EPS = 1e-5f;
    private static final int GROUPS = 32;

    /** One step of the down path: a ResBlock with an optional transformer, or a downsampling conv. */
    private record DownStep(String stage, String resName, ResBlock res, String attnName, SpatialTransformer attn,
            Downsample2x down, String levelStage) {}

    /** One step of the up path: a ResBlock on [h, skip], an optional transformer and an optional upsampling. */
    private record UpStep(String stage, String resName, ResBlock res, String attnName, SpatialTransformer attn,
            Upsample2x up, String levelStage) {}

    private final UNetConfig config;
    private final CheckpointLayout layout;
    private final EmbeddingMlp timeEmbed;
    private final EmbeddingMlp classEmbed;
    private final Conv2d convIn;
    private final List<DownStep> down = new ArrayList<>();
    private final ResBlock midRes1;
    private final SpatialTransformer midAttn;
    private final ResBlock midRes2;
    private final List<UpStep> up = new ArrayList<>();
    private final GroupNorm outNorm;
    private final Conv2d outConv;

    /**
     * @param config the network's shape
     * @param layout the key layout its parameters are named in
     */
    public UNet(UNetConfig config, CheckpointLayout layout) {
        this.config = config;
        this.layout = layout;
        boolean compVis = layout == CheckpointLayout.COMPVIS;
        ResBlock.Names resNames = compVis ? ResBlock.Names.COMPVIS_UNET : ResBlock.Names.DIFFUSERS;
        long mc = config.modelChannels();
        long ted = config.timeEmbedDim();
        this.timeEmbed = declareChild(compVis ? "time_embed" : "time_embedding",
                compVis ? new EmbeddingMlp(mc, ted, "0", "2") : new EmbeddingMlp(mc, ted, "linear_1", "linear_2"));
        this.classEmbed = config.classEmbedInputDim() == 0 ? null
                : declareChild(compVis ? "label_emb.0" : "class_embedding", compVis
                        ? new EmbeddingMlp(config.classEmbedInputDim(), ted, "0", "2")
                        : new EmbeddingMlp(config.classEmbedInputDim(), ted, "linear_1", "linear_2"));
        this.convIn = declareChild(compVis ? "input_blocks.0.0" : "conv_in", Conv2d.same(config.inChannels(), mc, 3));

        int levels = config.levels();
        Deque<Long> skipChannels = new ArrayDeque<>();
        skipChannels.push(mc);
        long ch = mc;
        int k = 1; // CompVis input_blocks index
        for (int level = 0; level < levels; level++) {
            long out = config.channels(level);
            for (int j = 0; j < config.numResBlocks(); j++) {
                String block = compVis ? "input_blocks." + k : "down_blocks." + level;
                String resName = compVis ? block + ".0" : block + ".resnets." + j;
                String attnName = compVis ? block + ".1" : block + ".attentions." + j;
                ResBlock res = declareChild(resName, new ResBlock(resNames, ch, out, ted, RESNET_EPS));
                ch = out;
                SpatialTransformer attn = config.attention().get(level)
                        ? declareChild(attnName, transformer(ch, level)) : null;
                boolean levelEnd = level == levels - 1 && j == config.numResBlocks() - 1;
                down.add(new DownStep("input_blocks." + k, resName, res, attnName, attn, null,
                        levelEnd ? block : null));
                skipChannels.push(ch);
                k++;
            }
            if (level != levels - 1) {
                Downsample2x ds = declareChild(compVis ? "input_blocks." + k + ".0" : "down_blocks." + level
                        + ".downsamplers.0", new Downsample2x(compVis ? "op" : "conv", ch, false));
                down.add(new DownStep("input_blocks." + k, null, null, null, null, ds, "down_blocks." + level));
                skipChannels.push(ch);
                k++;
            }
        }
        int top = levels - 1;
        this.midRes1 = declareChild(compVis ? "middle_block.0" : "mid_block.resnets.0",
                new ResBlock(resNames, ch, ch, ted, RESNET_EPS));
        this.midAttn = declareChild(compVis ? "middle_block.1" : "mid_block.attentions.0", transformer(ch, top));
        this.midRes2 = declareChild(compVis ? "middle_block.2" : "mid_block.resnets.1",
                new ResBlock(resNames, ch, ch, ted, RESNET_EPS));

        int o = 0; // CompVis output_blocks index
        for (int level = top; level >= 0; level--) {
            int u = top - level; // diffusers up_blocks index
            long out = config.channels(level);
            for (int j = 0; j <= config.numResBlocks(); j++) {
                String block = compVis ? "output_blocks." + o : "up_blocks." + u;
                String resName = compVis ? block + ".0" : block + ".resnets." + j;
                String attnName = compVis ? block + ".1" : block + ".attentions." + j;
                ResBlock res = declareChild(resName,
                        new ResBlock(resNames, ch + skipChannels.pop(), out, ted, RESNET_EPS));
                ch = out;
                SpatialTransformer attn = config.attention().get(level)
                        ? declareChild(attnName, transformer(ch, level)) : null;
                boolean levelEnd = j == config.numResBlocks();
                Upsample2x upsample = levelEnd && level != 0
                        ? declareChild(compVis ? block + (attn == null ? ".1" : ".2") : block + ".upsamplers.0",
                                new Upsample2x(ch, false))
                        : null;
                up.add(new UpStep("output_blocks." + o, resName, res, attnName, attn, upsample,
                        levelEnd ? "up_blocks." + u : null));
                o++;
            }
        }
        this.outNorm = declareChild(compVis ? "out.0" : "conv_norm_out", new GroupNorm(GROUPS, mc, RESNET_EPS));
        this.outConv = declareChild(compVis ? "out.2" : "conv_out", Conv2d.same(mc, config.outChannels(), 3));
    }

    private SpatialTransformer transformer(long channels, int level) {
        return new SpatialTransformer(channels, config.heads().get(level), config.dimHead().get(level),
                config.transformerDepth(), config.contextDim(), config.linearProjection());
    }

    /** @return the network's shape */
    public UNetConfig config() {
        return config;
    }

    /** @return the key layout of its parameters */
    public CheckpointLayout layout() {
        return layout;
    }

    /**
     * One denoising evaluation.
     *
     * @param x noisy latents [B, in, H, W]; H and W multiples of {@link UNetConfig#downscale()}
     * @param t timesteps [B] (or [1], used for the whole batch), integer or float
     * @param context cross-attention context [B, T, contextDim]
     * @param classLabels [B, classEmbedInputDim] when the model has a class embedding, else null
     * @param recorder receives the intermediates under their block names (see {@link ActivationRecorder})
     * @return [B, out, H, W] (eps or v, as the model was trained), in {@code x}'s manager
     * @throws IllegalArgumentException if a shape does not fit the model
     */
    public NDArray forward(NDArray x, NDArray t, NDArray context, NDArray classLabels, ActivationRecorder recorder) {
        long batch = checkInputs(x, t, context, classLabels);
        boolean compVis = layout == CheckpointLayout.COMPVIS;
        NDManager outer = x.getManager();
        try (NDManager scope = outer.newSubManager()) {
            t.tempAttach(scope);
            NDArray steps = t.getShape().get(0) == batch ? t : t.broadcast(batch); // [B]
            NDArray tEmb = TimestepEmbeddings.sinusoidal(steps, config.modelChannels()); // [B, C0]
            recorder.record("t_emb", tEmb);
            NDArray emb = timeEmbed.forward(tEmb); // [B, 4 C0]
            recorder.record(compVis ? "time_embed" : "time_embedding", emb);
            if (classEmbed != null) {
                NDArray classEmb = classEmbed.forward(classLabels.toType(emb.getDataType(), false));
                recorder.record(compVis ? "label_emb" : "class_embedding", classEmb);
                emb = emb.add(classEmb);
            }
            recorder.record("emb", emb);
            context.tempAttach(scope);
            NDArray h = convIn.forward(x);
            h.attach(scope); // every later activation lives in this pass's scope
            recorder.record(compVis ? "input_blocks.0" : "conv_in", h);
            Deque<NDArray> skips = new ArrayDeque<>();
            skips.push(h);
            for (DownStep step : down) {
                NDArray input = h;
                NDArray embedding = emb;
                h = scoped(input, false, in -> step.down != null ? step.down.forward(in)
                        : resThenAttention(step.resName, step.res, step.attnName, step.attn, in, embedding, context,
                                recorder), emb, context);
                record(recorder, step.stage, step.levelStage, h);
                skips.push(h);
            }
            NDArray embedding = emb;
            h = scoped(h, false, in -> midRes2.forward(
                    midAttn.forward(midRes1.forward(in, embedding, recorder), context, recorder), embedding, recorder),
                    emb, context);
            recorder.record(compVis ? "middle_block" : "mid_block", h);
            for (UpStep step : up) {
                NDArray skip = skips.pop();
                NDArray joined = NDArrays.concat(new NDList(h, skip), 1); // [B, ch + skip, H, W]
                h.close();
                skip.close();
                h = scoped(joined, true, in -> {
                    NDArray r = resThenAttention(step.resName, step.res, step.attnName, step.attn, in, embedding,
                            context, recorder);
                    return step.up == null ? r : step.up.forward(r);
                }, emb, context);
                record(recorder, step.stage, step.levelStage, h);
            }
            NDArray normed = outNorm.forward(h);
            recorder.record(compVis ? "out.0" : "conv_norm_out", normed);
            NDArray out = outConv.forward(Silu.apply(normed));
            recorder.record("out", out);
            out.attach(outer);
            return out;
        }
    }

    private void record(ActivationRecorder recorder, String compVisStage, String diffusersStage, NDArray h) {
        if (layout == CheckpointLayout.COMPVIS) {
            recorder.record(compVisStage, h);
        } else if (diffusersStage != null) {
            recorder.record(diffusersStage, h);
        }
    }

    /** A ResBlock and its optional SpatialTransformer, each recorded under its block name. */
    private static NDArray resThenAttention(String resName, ResBlock res, String attnName, SpatialTransformer attn,
            NDArray in, NDArray emb, NDArray context, ActivationRecorder recorder) {
        NDArray h = res.forward(in, emb, recorder.scope(resName));
        recorder.record(resName, h);
        if (attn == null) {
            return h;
        }
        NDArray out = attn.forward(h, context, recorder.scope(attnName));
        recorder.record(attnName, out);
        return out;
    }

    /**
     * Runs one step in a sub-manager that frees everything the step allocates except its output.
     *
     * @param input the step's input: consumed (freed with the intermediates) or kept (a skip connection)
     * @param consume whether to free the input
     * @param step computes the output
     * @param borrowed other arrays the step reads; they return to their managers afterwards
     * @return the output, in the input's manager
     */
    private static NDArray scoped(NDArray input, boolean consume, UnaryOperator<NDArray> step, NDArray... borrowed) {
        NDManager outer = input.getManager();
        try (NDManager scope = outer.newSubManager()) {
            if (consume) {
                input.attach(scope);
            } else {
                input.tempAttach(scope);
            }
            for (NDArray b : borrowed) {
                b.tempAttach(scope);
            }
            NDArray output = step.apply(input);
            output.attach(outer);
            return output;
        }
    }

    private long checkInputs(NDArray x, NDArray t, NDArray context, NDArray classLabels) {
        Shape xs = x.getShape();
        if (xs.dimension() != 4 || xs.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("UNet input must be [B, " + config.inChannels() + ", H, W], got " + xs);
        }
        long batch = xs.get(0);
        int factor = config.downscale();
        if (xs.get(2) % factor != 0 || xs.get(3) % factor != 0 || xs.get(2) == 0 || xs.get(3) == 0) {
            throw new IllegalArgumentException("latent height and width must be positive multiples of " + factor
                    + " (the UNet halves them " + (config.levels() - 1) + " times), got " + xs.get(2) + " x "
                    + xs.get(3));
        }
        Shape ts = t.getShape();
        if (ts.dimension() != 1 || (ts.get(0) != batch && ts.get(0) != 1)) {
            throw new IllegalArgumentException("timesteps must be [B] = [" + batch + "] (or [1]), got " + ts);
        }
        Shape cs = context == null ? null : context.getShape();
        if (cs == null || cs.dimension() != 3 || cs.get(0) != batch || cs.get(2) != config.contextDim()) {
            throw new IllegalArgumentException("conditioning must be [B, T, " + config.contextDim() + "] with B = "
                    + batch + ", got " + cs);
        }
        if (classEmbed == null && classLabels != null) {
            throw new IllegalArgumentException("this UNet has no class embedding; pass null class labels");
        }
        if (classEmbed != null) {
            Shape ls = classLabels == null ? null : classLabels.getShape();
            if (ls == null || ls.dimension() != 2 || ls.get(0) != batch || ls.get(1) != config.classEmbedInputDim()) {
                throw new IllegalArgumentException("this UNet needs class labels [B, " + config.classEmbedInputDim()
                        + "] with B = " + batch + " (unCLIP: noised image embedding and noise-level embedding), got "
                        + ls);
            }
        }
        return batch;
    }
}
