package dev.seedj.examples.bench;

import static dev.seedj.examples.bench.MarkdownRows.format;
import static dev.seedj.examples.bench.MarkdownRows.row;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.bench.CopyBandwidth;
import dev.seedj.core.bench.MatmulThroughput;
import dev.seedj.core.bench.ProcessMemory;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.diffusion.ActivationRecorder;
import dev.seedj.diffusion.AutoencoderKL;
import dev.seedj.diffusion.CheckpointLayout;
import dev.seedj.diffusion.UNet;
import dev.seedj.diffusion.UNetConfig;
import dev.seedj.diffusion.VaeConfig;
import dev.seedj.diffusion.sampling.Denoiser;
import dev.seedj.diffusion.sampling.DiffusionSampling;
import dev.seedj.diffusion.sampling.NoiseSchedule;
import dev.seedj.diffusion.sampling.PredictionType;
import dev.seedj.diffusion.sampling.SampleRequest;
import dev.seedj.diffusion.sampling.Sampler;
import dev.seedj.diffusion.sampling.SchedulerConfig;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Stable Diffusion speed and memory benchmark of issue 13: SD v1.4 shapes (UNet 320 channels, mult 1, 2, 4, 4,
 * 2 res blocks, attention at 4, 2, 1, 8 heads, context 768; VAE 128 channels) with random weights, in two parts.
 * <ul>
 *   <li>{@code calls}: one UNet call with classifier-free guidance (batch 2) at 512 x 512 (64 x 64 latent) and at
 *       256 x 256, one VAE decode at 512 x 512, each the best of {@code repeats}; GFLOP/s against the machine's
 *       float32 matrix-multiply rate measured in the same run.</li>
 *   <li>{@code generation}: the whole generation of one picture (batch 1 with classifier-free guidance, so the UNet
 *       runs on batch 2; sampling plus the VAE decode) with CompVis PLMS, 50 steps, and DPM-Solver++ (2M), 20 steps,
 *       from the same seed, context and unconditional context; their wall time, and how far DPM-Solver++-20 lands
 *       from PLMS-50 (max and mean |latent difference|, max and mean |pixel difference| in 8-bit levels, CompVis'
 *       truncating rule). On random weights the difference only shows the samplers' numerical distance, not image
 *       quality.</li>
 * </ul>
 * Peak resident memory (VmHWM) is the process's, so run {@code generation} alone to measure generation memory
 * against the weight bytes (goal: at most 1.3 x).
 *
 * <p>Run: {@code java -Xmx1g -cp ... dev.seedj.examples.bench.DiffusionBenchmark [unet-channels vae-channels
 * image-side repeats [parts [generation-side]]]} (defaults 320 128 512 3 calls,generation 512; {@code 32 32 128 1}
 * is a small smoke run; {@code 320 128 512 3 generation 256} measures the sampler difference at a cheaper
 * size). Threads as for {@link TokenizerBenchmark}.
 *
 * <p>Not thread-safe: run one benchmark per process, with nothing else computing.
 */
public final class DiffusionBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(DiffusionBenchmark.class);
    private static final int CONTEXT_TOKENS = 77;
    private static final int CONTEXT_DIM = 768;
    private static final int LATENT_SCALE = 8;
    private static final int LATENT_CHANNELS = 4;
    /** SEED v1's reference sampling: CompVis PLMS, 50 steps, guidance 7.5. */
    private static final int PLMS_STEPS = 50;
    /** The DPM-Solver++ (2M) step count meant to match PLMS-50. */
    private static final int DPM_STEPS = 20;
    private static final float GUIDANCE = 7.5f;
    private static final long SEED = 42;
    /** Bytes of the copy-bandwidth source array (as many again for the target): far beyond the caches. */
    private static final long COPY_BYTES = 256L << 20;

    /**
     * What one run measured. Immutable and thread-safe.
     *
     * @param threads libtorch intra-op threads
     * @param matmulGflops float32 1024^3 matrix-multiply throughput, GFLOP/s
     * @param copyGbs STREAM-style copy bandwidth with one thread per core, GB/s (read + write), measured after the
     *     peak memory was read so that its buffers do not count in it
     * @param callsOrNull the single-call figures, if that part ran
     * @param generationOrNull the whole-generation figures, if that part ran
     * @param weightBytes bytes of the float32 UNet and VAE weights
     * @param peakResidentBytes the process's peak resident memory (VmHWM), or -1 off Linux
     * @param loadAverage the 1-minute load average at the end, or -1 off Linux
     */
    public record Result(int threads, double matmulGflops, double copyGbs, Calls callsOrNull, Generation generationOrNull,
            long weightBytes, long peakResidentBytes, double loadAverage) {

        /** @return the figures as a Markdown table */
        public String toMarkdown() {
            StringBuilder s = new StringBuilder();
            s.append("| measurement | value |\n| --- | --- |\n");
            row(s, "libtorch intra-op threads", Integer.toString(threads));
            row(s, "machine load average (1 min, at the end)", loadAverage < 0 ? "n/a" : format("%.2f", loadAverage));
            row(s, "fp32 matmul 1024^3", format("%.1f GFLOP/s", matmulGflops));
            row(s, "copy bandwidth (all cores, read + write)", format("%.1f GB/s", copyGbs));
            if (callsOrNull != null) {
                Calls c = callsOrNull;
                timed(s, "UNet call, CFG batch 2, " + c.imageSide() + " x " + c.imageSide(), c.unetLargeSeconds(),
                        c.unetLargeGflop());
                timed(s, "UNet call, CFG batch 2, " + c.imageSide() / 2 + " x " + c.imageSide() / 2,
                        c.unetSmallSeconds(), c.unetSmallGflop());
                timed(s, "VAE decode, batch 1, " + c.imageSide() + " x " + c.imageSide(), c.vaeSeconds(), c.vaeGflop());
            }
            if (generationOrNull != null) {
                Generation g = generationOrNull;
                String size = g.imageSide() + " x " + g.imageSide();
                row(s, "generation, PLMS " + PLMS_STEPS + " steps, CFG, " + size,
                        format("%.1f s (%d UNet calls + VAE decode)", g.plmsSeconds(), g.plmsUnetCalls()));
                row(s, "generation, DPM-Solver++ (2M) " + DPM_STEPS + " steps, CFG, " + size,
                        format("%.1f s (%d UNet calls + VAE decode)", g.dpmSeconds(), g.dpmUnetCalls()));
                row(s, "DPM-Solver++-" + DPM_STEPS + " vs PLMS-" + PLMS_STEPS + ", latent difference (absolute)",
                        format("max %.4f, mean %.4f", g.latentMaxAbsDiff(), g.latentMeanAbsDiff()));
                row(s, "DPM-Solver++-" + DPM_STEPS + " vs PLMS-" + PLMS_STEPS
                        + ", pixel difference (absolute, u8 levels)",
                        format("max %.0f, mean %.2f", g.pixelMaxAbsDiff(), g.pixelMeanAbsDiff()));
            }
            row(s, "weights (fp32 UNet + VAE)", format("%.0f MB", weightBytes / 1e6));
            row(s, "peak resident memory", peakResidentBytes < 0 ? "n/a"
                    : format("%.0f MB = %.2f x weights (goal <= 1.3 for generation)", peakResidentBytes / 1e6,
                            peakResidentBytes / (double) weightBytes));
            return s.toString();
        }

        private void timed(StringBuilder s, String what, double seconds, double gflop) {
            row(s, what, format("%.2f s, %.0f GFLOP, %.1f GFLOP/s = %.0f%% of matmul (goal >= 60%%)", seconds, gflop,
                    gflop / seconds, 100 * gflop / seconds / matmulGflops));
        }
    }

    /**
     * The single-call figures. Immutable and thread-safe.
     *
     * @param imageSide the large picture side (512)
     * @param unetLargeSeconds one UNet call, batch 2, at {@code imageSide}
     * @param unetLargeGflop its FLOPs / 1e9
     * @param unetSmallSeconds one UNet call, batch 2, at half the side
     * @param unetSmallGflop its FLOPs / 1e9
     * @param vaeSeconds one VAE decode, batch 1, at {@code imageSide}
     * @param vaeGflop its FLOPs / 1e9
     */
    public record Calls(int imageSide, double unetLargeSeconds, double unetLargeGflop, double unetSmallSeconds,
            double unetSmallGflop, double vaeSeconds, double vaeGflop) {}

    /**
     * The whole-generation figures. Immutable and thread-safe.
     *
     * @param imageSide the picture side
     * @param plmsSeconds PLMS-50 sampling plus decode, seconds
     * @param plmsUnetCalls its UNet calls (one more than the steps: PLMS's first step calls twice)
     * @param dpmSeconds DPM-Solver++ (2M) 20 steps plus decode, seconds
     * @param dpmUnetCalls its UNet calls
     * @param latentMaxAbsDiff max |final latents of DPM-Solver++-20 - those of PLMS-50|
     * @param latentMeanAbsDiff mean of the same
     * @param pixelMaxAbsDiff max |8-bit pixel difference| of the decoded pictures
     * @param pixelMeanAbsDiff mean of the same
     */
    public record Generation(int imageSide, double plmsSeconds, int plmsUnetCalls, double dpmSeconds,
            int dpmUnetCalls, double latentMaxAbsDiff, double latentMeanAbsDiff, double pixelMaxAbsDiff,
            double pixelMeanAbsDiff) {}

    private DiffusionBenchmark() {}

    /**
     * @param modelChannels UNet channels of level 0 (320 in SD v1.4)
     * @return SD v1.4's UNet shape at that width
     */
    public static UNetConfig sdV14Unet(int modelChannels) {
        List<Integer> mult = List.of(1, 2, 4, 4);
        int heads = 8;
        return new UNetConfig(4, 4, modelChannels, mult, 2, List.of(true, true, true, false),
                Collections.nCopies(mult.size(), heads), mult.stream().map(m -> m * modelChannels / heads).toList(), 1,
                CONTEXT_DIM, false, 0);
    }

    /**
     * @param channels VAE channels of level 0 (128 in SD)
     * @return SD's VAE shape at that width
     */
    public static VaeConfig sdVae(int channels) {
        return new VaeConfig(3, channels, List.of(1, 2, 4, 4), 2, Collections.nCopies(4, false), 4, 4, 0.18215f);
    }

    /**
     * Runs the benchmark.
     *
     * @param unetChannels UNet width (320)
     * @param vaeChannels VAE width (128)
     * @param imageSide picture side of the single calls (512), a multiple of 128 (the half-size latent must still
     *     divide by the UNet's downscale of 8)
     * @param repeats timed single calls per figure; the best is kept
     * @param runCalls whether to measure the single calls
     * @param generationSide picture side of the whole generations, a multiple of 64; 0 to skip them
     * @return the figures
     */
    public static Result run(int unetChannels, int vaeChannels, int imageSide, int repeats, boolean runCalls,
            int generationSide) {
        UNetConfig unetConfig = sdV14Unet(unetChannels);
        int factor = LATENT_SCALE * unetConfig.downscale();
        if (runCalls && (imageSide <= 0 || imageSide % (2 * factor) != 0)) {
            throw new IllegalArgumentException("the image side must be a positive multiple of " + 2 * factor
                    + ", got " + imageSide);
        }
        if (generationSide < 0 || generationSide % factor != 0) {
            throw new IllegalArgumentException("the generation side must be a multiple of " + factor + ", got "
                    + generationSide);
        }
        Device device = Device.cpu();
        double matmul = MatmulThroughput.gflops(1024, 5, 10, device);
        LOG.info("fp32 matmul 1024^3: {} GFLOP/s", format("%.1f", matmul));
        VaeConfig vaeConfig = sdVae(vaeChannels);
        try (NDManager weights = NDManager.newBaseManager(device);
                NDManager manager = NDManager.newBaseManager(device)) {
            UNet unet = new UNet(unetConfig, CheckpointLayout.COMPVIS);
            AutoencoderKL vae = new AutoencoderKL(vaeConfig, CheckpointLayout.COMPVIS, false);
            unet.initializeParameters(weights);
            vae.initializeParameters(weights);
            long weightBytes = 4L * (count(unet) + count(vae));
            Calls calls = null;
            if (runCalls) {
                int large = imageSide / LATENT_SCALE;
                int small = large / 2;
                double unetLarge = best(repeats, () -> unetCall(unet, manager, large));
                double unetSmall = best(repeats, () -> unetCall(unet, manager, small));
                double vaeTime = best(repeats, () -> decode(vae, manager, large));
                calls = new Calls(imageSide, unetLarge,
                        DiffusionFlops.unet(unetConfig, 2, large, large, CONTEXT_TOKENS) / 1e9, unetSmall,
                        DiffusionFlops.unet(unetConfig, 2, small, small, CONTEXT_TOKENS) / 1e9, vaeTime,
                        DiffusionFlops.vaeDecode(vaeConfig, 1, large, large) / 1e9);
            }
            Generation generation = generationSide == 0 ? null
                    : generations(unet, vae, generationSide / LATENT_SCALE, runCalls, device, manager);
            long peak = ProcessMemory.available() ? ProcessMemory.peakResidentBytes() : -1;
            double copy = CopyBandwidth.gbs(COPY_BYTES, Runtime.getRuntime().availableProcessors());
            return new Result(LibtorchThreads.intraOp(), matmul, copy, calls, generation, weightBytes, peak,
                    ProcessMemory.loadAverage());
        }
    }

    /**
     * Prints the figures as a Markdown table.
     *
     * @param args optional: UNet channels, VAE channels, image side, repeats, parts ({@code calls},
     *     {@code generation} or {@code calls,generation}), generation side (default 320 128 512 3
     *     calls,generation and the image side)
     */
    public static void main(String[] args) {
        LibtorchThreads.defaultToAllCores();
        int unetChannels = args.length > 0 ? Integer.parseInt(args[0]) : 320;
        int vaeChannels = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int side = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        List<String> parts = List.of((args.length > 4 ? args[4] : "calls,generation").split(","));
        for (String part : parts) {
            if (!part.equals("calls") && !part.equals("generation")) {
                throw new IllegalArgumentException("unknown part '" + part + "': calls, generation");
            }
        }
        int generationSide = !parts.contains("generation") ? 0 : args.length > 5 ? Integer.parseInt(args[5]) : side;
        System.out.print(run(unetChannels, vaeChannels, side, repeats, parts.contains("calls"), generationSide)
                .toMarkdown());
    }

    /** PLMS-50 and DPM-Solver++-20 from the same start, timed, and how far apart they land. */
    private static Generation generations(UNet unet, AutoencoderKL vae, int latent, boolean warm, Device device,
            NDManager manager) {
        Denoiser denoiser = (x, t, context, labels, m) -> ArrayScopes.call(m, device, scope -> {
            // as StableDiffusion.unet: the inputs are lent to the call's scope, which frees every intermediate
            x.tempAttach(scope);
            t.tempAttach(scope);
            context.tempAttach(scope);
            return unet.forward(x, t, context, labels, ActivationRecorder.NONE);
        });
        SchedulerConfig schedule = SchedulerConfig.compVis(NoiseSchedule.compVisLinear(0.00085, 0.012, 1000),
                PredictionType.EPSILON);
        if (!warm) {
            unetCall(unet, manager, latent);
        }
        try (NDManager run = manager.newSubManager()) {
            run.getEngine().setRandomSeed((int) SEED);
            NDArray c = run.randomNormal(new Shape(1, CONTEXT_TOKENS, CONTEXT_DIM)); // [1, 77, 768]
            NDArray uc = run.randomNormal(new Shape(1, CONTEXT_TOKENS, CONTEXT_DIM));
            long start = System.nanoTime();
            NDArray plmsLatents = generate(Sampler.PLMS, PLMS_STEPS, c, uc, latent, denoiser, schedule, run);
            float[] plmsPixels = decodedPixels(vae, plmsLatents, run);
            double plmsSeconds = (System.nanoTime() - start) / 1e9;
            LOG.info("PLMS {} steps: {} s", PLMS_STEPS, format("%.1f", plmsSeconds));
            start = System.nanoTime();
            NDArray dpmLatents = generate(Sampler.DPMPP_2M, DPM_STEPS, c, uc, latent, denoiser, schedule, run);
            float[] dpmPixels = decodedPixels(vae, dpmLatents, run);
            double dpmSeconds = (System.nanoTime() - start) / 1e9;
            LOG.info("DPM-Solver++ {} steps: {} s", DPM_STEPS, format("%.1f", dpmSeconds));
            float[] a = plmsLatents.toFloatArray();
            float[] b = dpmLatents.toFloatArray();
            double[] latentDiff = maxAndMean(a, b);
            double[] pixelDiff = maxAndMean(plmsPixels, dpmPixels);
            return new Generation(latent * LATENT_SCALE, plmsSeconds,
                    DiffusionSampling.denoiserCalls(Sampler.PLMS, PLMS_STEPS, schedule), dpmSeconds,
                    DiffusionSampling.denoiserCalls(Sampler.DPMPP_2M, DPM_STEPS, schedule), latentDiff[0],
                    latentDiff[1], pixelDiff[0], pixelDiff[1]);
        }
    }

    private static NDArray generate(Sampler sampler, int steps, NDArray c, NDArray uc, int latent, Denoiser denoiser,
            SchedulerConfig schedule, NDManager m) {
        SampleRequest request = SampleRequest.builder().sampler(sampler).steps(steps).guidanceScale(GUIDANCE).eta(0f)
                .conditioning(c).unconditional(uc).seed(SEED).latentShape(LATENT_CHANNELS, latent, latent).build();
        return DiffusionSampling.sample(request, denoiser, schedule, m);
    }

    /** The decoded picture in 8-bit levels, as CompVis {@code txt2img} makes them (clamp, then truncate). */
    private static float[] decodedPixels(AutoencoderKL vae, NDArray latents, NDManager manager) {
        try (NDManager call = manager.newSubManager()) {
            NDArray z = latents.div(vae.config().scaleFactor()); // the VAE reads latents / scale factor
            z.attach(call);
            float[] decoded = vae.decode(z, ActivationRecorder.NONE).toFloatArray();
            float[] levels = new float[decoded.length];
            for (int i = 0; i < decoded.length; i++) {
                levels[i] = (float) Math.floor(255.0 * Math.min(1.0, Math.max(0.0, (decoded[i] + 1.0) / 2.0)));
            }
            return levels;
        }
    }

    private static double[] maxAndMean(float[] a, float[] b) {
        double max = 0;
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            max = Math.max(max, d);
            sum += d;
        }
        return new double[] {max, sum / a.length};
    }

    private static long count(dev.seedj.core.nn.SeedBlock block) {
        return block.declaredShapes().values().stream().mapToLong(Shape::size).sum();
    }

    private static void unetCall(UNet unet, NDManager manager, int latent) {
        try (NDManager call = manager.newSubManager()) {
            NDArray x = call.randomNormal(new Shape(2, 4, latent, latent));
            NDArray t = call.create(new long[] {981, 981});
            NDArray context = call.randomNormal(new Shape(2, CONTEXT_TOKENS, CONTEXT_DIM));
            unet.forward(x, t, context, null, ActivationRecorder.NONE).getFloat(0, 0, 0, 0);
        }
    }

    private static void decode(AutoencoderKL vae, NDManager manager, int latent) {
        try (NDManager call = manager.newSubManager()) {
            NDArray z = call.randomNormal(new Shape(1, 4, latent, latent));
            vae.decode(z, ActivationRecorder.NONE).getFloat(0, 0, 0, 0);
        }
    }

    /** Seconds of the fastest of {@code repeats} timed calls, after one warm-up call. */
    private static double best(int repeats, Runnable call) {
        call.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            call.run();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        LOG.info("best of {}: {} s", repeats, String.format(Locale.ROOT, "%.3f", best));
        return best;
    }
}
