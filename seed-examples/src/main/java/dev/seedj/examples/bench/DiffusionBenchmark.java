package dev.seedj.examples.bench;

import static dev.seedj.examples.bench.MarkdownRows.format;
import static dev.seedj.examples.bench.MarkdownRows.row;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.bench.MatmulThroughput;
import dev.seedj.core.bench.ProcessMemory;
import dev.seedj.diffusion.ActivationRecorder;
import dev.seedj.diffusion.AutoencoderKL;
import dev.seedj.diffusion.CheckpointLayout;
import dev.seedj.diffusion.UNet;
import dev.seedj.diffusion.UNetConfig;
import dev.seedj.diffusion.VaeConfig;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Stable Diffusion speed and memory benchmark of issue 13: SD v1.4 shapes (UNet 320 channels, mult 1, 2, 4, 4,
 * 2 res blocks, attention at 4, 2, 1, 8 heads, context 768; VAE 128 channels) with random weights; one UNet call
 * with classifier-free guidance (batch 2) at 512 x 512 (64 x 64 latent) and at 256 x 256, one VAE decode at
 * 512 x 512; GFLOP/s against the machine's float32 matrix-multiply rate measured in the same run; peak resident
 * memory against the weight bytes.
 *
 * <p>Run: {@code java -Xmx1g -cp ... dev.seedj.examples.bench.DiffusionBenchmark [unet-channels vae-channels
 * image-side repeats]} (defaults 320 128 512 3; {@code 32 32 128 1} is a seconds-long smoke run). Threads as for
 * {@link TokenizerBenchmark}.
 *
 * <p>Not thread-safe: run one benchmark per process, with nothing else computing.
 */
public final class DiffusionBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(DiffusionBenchmark.class);
    private static final int CONTEXT_TOKENS = 77;
    private static final int CONTEXT_DIM = 768;
    private static final int LATENT_SCALE = 8;

    /**
     * What one run measured. Immutable and thread-safe.
     *
     * @param threads libtorch intra-op threads
     * @param imageSide the large picture side (512)
     * @param matmulGflops float32 1024^3 matrix-multiply throughput, GFLOP/s
     * @param unetLargeSeconds one UNet call, batch 2, at {@code imageSide}
     * @param unetLargeGflop its FLOPs / 1e9
     * @param unetSmallSeconds one UNet call, batch 2, at half the side
     * @param unetSmallGflop its FLOPs / 1e9
     * @param vaeSeconds one VAE decode, batch 1, at {@code imageSide}
     * @param vaeGflop its FLOPs / 1e9
     * @param weightBytes bytes of the float32 UNet and VAE weights
     * @param peakResidentBytes the process's peak resident memory (VmHWM), or -1 off Linux
     * @param loadAverage the 1-minute load average at the end, or -1 off Linux
     */
    public record Result(int threads, int imageSide, double matmulGflops, double unetLargeSeconds,
            double unetLargeGflop, double unetSmallSeconds, double unetSmallGflop, double vaeSeconds, double vaeGflop,
            long weightBytes, long peakResidentBytes, double loadAverage) {

        /** @return the figures as a Markdown table */
        public String toMarkdown() {
            StringBuilder s = new StringBuilder();
            s.append("| measurement | value |\n| --- | --- |\n");
            row(s, "libtorch intra-op threads", Integer.toString(threads));
            row(s, "machine load average (1 min, at the end)", loadAverage < 0 ? "n/a" : format("%.2f", loadAverage));
            row(s, "fp32 matmul 1024^3", format("%.1f GFLOP/s", matmulGflops));
            timed(s, "UNet call, CFG batch 2, " + imageSide + " x " + imageSide, unetLargeSeconds, unetLargeGflop);
            timed(s, "UNet call, CFG batch 2, " + imageSide / 2 + " x " + imageSide / 2, unetSmallSeconds,
                    unetSmallGflop);
            timed(s, "VAE decode, batch 1, " + imageSide + " x " + imageSide, vaeSeconds, vaeGflop);
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
     * @param imageSide picture side of the large measurements (512), a multiple of 128 (the half-size latent must
     *     still divide by the UNet's downscale of 8)
     * @param repeats timed calls per figure; the best is kept
     * @return the figures
     */
    public static Result run(int unetChannels, int vaeChannels, int imageSide, int repeats) {
        if (imageSide <= 0 || imageSide % (2 * LATENT_SCALE * sdV14Unet(unetChannels).downscale()) != 0) {
            throw new IllegalArgumentException("the image side must be a positive multiple of 128, got " + imageSide);
        }
        Device device = Device.cpu();
        double matmul = MatmulThroughput.gflops(1024, 5, 10, device);
        LOG.info("fp32 matmul 1024^3: {} GFLOP/s", format("%.1f", matmul));
        UNetConfig unetConfig = sdV14Unet(unetChannels);
        VaeConfig vaeConfig = sdVae(vaeChannels);
        try (NDManager weights = NDManager.newBaseManager(device);
                NDManager manager = NDManager.newBaseManager(device)) {
            UNet unet = new UNet(unetConfig, CheckpointLayout.COMPVIS);
            AutoencoderKL vae = new AutoencoderKL(vaeConfig, CheckpointLayout.COMPVIS, false);
            unet.initializeParameters(weights);
            vae.initializeParameters(weights);
            long weightBytes = 4L * (count(unet) + count(vae));
            int large = imageSide / LATENT_SCALE;
            int small = large / 2;
            double unetLarge = best(repeats, () -> unetCall(unet, manager, large));
            double unetSmall = best(repeats, () -> unetCall(unet, manager, small));
            double vaeTime = best(repeats, () -> decode(vae, manager, large));
            long peak = ProcessMemory.available() ? ProcessMemory.peakResidentBytes() : -1;
            return new Result(LibtorchThreads.intraOp(), imageSide, matmul, unetLarge,
                    DiffusionFlops.unet(unetConfig, 2, large, large, CONTEXT_TOKENS) / 1e9, unetSmall,
                    DiffusionFlops.unet(unetConfig, 2, small, small, CONTEXT_TOKENS) / 1e9, vaeTime,
                    DiffusionFlops.vaeDecode(vaeConfig, 1, large, large) / 1e9, weightBytes, peak,
                    ProcessMemory.loadAverage());
        }
    }

    /**
     * Prints the figures as a Markdown table.
     *
     * @param args optional: UNet channels, VAE channels, image side, repeats (default 320 128 512 3)
     */
    public static void main(String[] args) {
        LibtorchThreads.defaultToAllCores();
        int unetChannels = args.length > 0 ? Integer.parseInt(args[0]) : 320;
        int vaeChannels = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int side = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        System.out.print(run(unetChannels, vaeChannels, side, repeats).toMarkdown());
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
