package dev.seedj.examples.bench;

import static dev.seedj.examples.bench.MarkdownRows.format;
import static dev.seedj.examples.bench.MarkdownRows.row;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.seedj.core.bench.CopyBandwidth;
import dev.seedj.core.bench.MatmulThroughput;
import dev.seedj.core.bench.ProcessMemory;
import dev.seedj.core.nn.KvCache;
import dev.seedj.llm.LlmDtype;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.Generator;
import dev.seedj.llm.llama.LlamaConfig;
import dev.seedj.llm.llama.LlamaLoadOptions;
import dev.seedj.llm.llama.LlamaModel;
import dev.seedj.llm.llama.MemoryFit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The LLaMA loading and decoding benchmark of issue 16: a LLaMA-7B-shaped model (4096 wide, 32 layers, 32 heads,
 * MLP 11008, SEED-LLaMA's vocabulary 40194) with random float16 weights written as Hugging Face's sharded
 * {@code pytorch_model-0000k-of-0000n.bin} + index (10 GB shards, as released), then loaded with
 * {@link LlamaModel#load(Path, LlamaLoadOptions)} in the chosen dtype (bfloat16 by default: float16 shards rounded
 * to bfloat16 tensor by tensor; int8: each linear weight quantised as soon as it is read): load time, resident memory
 * after loading and its peak, the prefill of a 64-token prompt and the batch-1 decode rate with the KV cache, against
 * the bandwidth bound (weight bytes one decoded token reads in that dtype / the copy bandwidth STREAM's copy kernel
 * reaches with all cores, read + written, measured in the same run; and the matmul rate of that run).
 *
 * <p>Run: {@code java -cp seed-examples.jar dev.seedj.examples.bench.LlamaBenchmark [--dir D] [--layers N]
 * [--hidden H] [--heads A] [--intermediate I] [--vocab V] [--shard-gb G] [--dtype float32|bfloat16|int8|int8-dynamic]
 * [--steps S] [--write-only true]}.
 * Defaults are the 7B shape in {@code /tmp/seedj-llama-bench}; the checkpoint is written once and reused while its
 * config is unchanged. A model that cannot fit in memory in the chosen dtype is refused before loading, and the
 * benchmark prints the refusal. A tiny run for checking:
 * {@code --hidden 64 --heads 4 --intermediate 176 --layers 2 --vocab 1000 --shard-gb 0.0002}.
 *
 * <p>Not thread-safe: run one benchmark per process, with nothing else computing.
 */
public final class LlamaBenchmark {
    private static final int PROMPT = 64;
    private static final long COPY_BYTES = 512L << 20;
    /** float16 bit patterns: exponent bias and the exponent of 1.0. */
    private static final int HALF_BIAS = 15;

    private LlamaBenchmark() {}

    /**
     * @param args see the class comment
     * @throws IOException if the checkpoint cannot be written
     */
    public static void main(String[] args) throws IOException {
        LibtorchThreads.defaultToAllCores();
        Map<String, String> a = options(args);
        Path dir = Path.of(a.getOrDefault("dir", "/tmp/seedj-llama-bench"));
        String configJson = String.format(Locale.ROOT, "{\n  \"architectures\": [\"LlamaForCausalLM\"],\n"
                + "  \"model_type\": \"llama\",\n  \"hidden_act\": \"silu\",\n  \"hidden_size\": %s,\n"
                + "  \"intermediate_size\": %s,\n  \"num_hidden_layers\": %s,\n  \"num_attention_heads\": %s,\n"
                + "  \"max_position_embeddings\": 2048,\n  \"rms_norm_eps\": 1e-06,\n  \"vocab_size\": %s,\n"
                + "  \"bos_token_id\": 1,\n  \"eos_token_id\": 2,\n  \"pad_token_id\": 0,\n"
                + "  \"tie_word_embeddings\": false,\n  \"torch_dtype\": \"float16\"\n}\n",
                a.getOrDefault("hidden", "4096"), a.getOrDefault("intermediate", "11008"),
                a.getOrDefault("layers", "32"), a.getOrDefault("heads", "32"), a.getOrDefault("vocab", "40194"));
        LlamaConfig config = LlamaConfig.parse(configJson);
        LlmDtype dtype = LlmDtype.parse(a.getOrDefault("dtype", "bfloat16"));
        int steps = Integer.parseInt(a.getOrDefault("steps", "32"));
        long shardBytes = (long) (Double.parseDouble(a.getOrDefault("shard-gb", "10")) * 1e9);
        StringBuilder s = new StringBuilder("| measurement | value |\n| --- | --- |\n");
        row(s, "shape", format("hidden %d, %d layers, %d heads, MLP %d, vocab %d: %,d parameters",
                config.hiddenSize(), config.numLayers(), config.numHeads(), config.intermediateSize(),
                config.vocabSize(), config.parameterCount()));
        row(s, "libtorch intra-op threads", Integer.toString(LibtorchThreads.intraOp()));
        try {
            MemoryFit.check(config, dtype, 0); // before writing gigabytes of a checkpoint that cannot load
        } catch (IllegalStateException e) {
            row(s, "refused before writing the checkpoint", e.getMessage());
            System.out.print(s);
            return;
        }
        ensureCheckpoint(dir, configJson, config, shardBytes, s);
        if (Boolean.parseBoolean(a.getOrDefault("write-only", "false"))) {
            System.out.print(s); // the measuring run then starts in a fresh JVM, without the writer's heap
            return;
        }
        long start = System.nanoTime();
        try (LlamaModel model = LlamaModel.load(dir, LlamaLoadOptions.defaults().withDtype(dtype))) {
            row(s, "load (" + dtype + ")", format("%.1f s", (System.nanoTime() - start) / 1e9));
            long weightBytes = MemoryFit.weightBytes(config, dtype);
            row(s, "weights in memory", format("%.1f MB", weightBytes / 1e6));
            row(s, "RSS after load / peak RSS so far", format("%.2f GB / %.2f GB (%.2f x weights)",
                    ProcessMemory.residentBytes() / 1e9, ProcessMemory.peakResidentBytes() / 1e9,
                    ProcessMemory.peakResidentBytes() / (double) weightBytes));
            double tokensPerSecond = measure(model, steps, s);
            row(s, "peak RSS after decoding", format("%.2f GB", ProcessMemory.peakResidentBytes() / 1e9));
            // measured last, so that its 1 GiB of buffers does not count in the peaks above
            double copyGbs = CopyBandwidth.gbs(COPY_BYTES, Runtime.getRuntime().availableProcessors());
            row(s, "copy bandwidth, 512 MiB, STREAM copy on every core (read + write)", format("%.1f GB/s", copyGbs));
            row(s, "matmul rate, 1024 x 1024 float32 (same run)",
                    format("%.1f GFLOP/s", MatmulThroughput.gflops(1024, 5, 10, model.device())));
            // every matrix (with its int8 scales) and norm is read once per token; of embed_tokens only one row
            long embedBytes = (long) config.vocabSize() * config.hiddenSize() * (dtype == LlmDtype.BFLOAT16 ? 2 : 4);
            long bytesPerToken = weightBytes - embedBytes;
            double bound = copyGbs * 1e9 / bytesPerToken;
            row(s, "weight bytes read per decoded token", format("%.1f MB", bytesPerToken / 1e6));
            row(s, "bandwidth bound, batch 1 (copy bandwidth / bytes per token)", format("%.2f tokens/s", bound));
            row(s, "decode / bound", format("%.0f%%", 100 * tokensPerSecond / bound));
        } catch (IllegalStateException | IllegalArgumentException e) {
            row(s, "load refused", e.getMessage());
        }
        row(s, "system load average (1 min) at the end", format("%.1f", ProcessMemory.loadAverage()));
        System.out.print(s);
    }

    /** Prefill and batch-1 decode; returns the decode rate in tokens/s. */
    private static double measure(LlamaModel model, int steps, StringBuilder s) {
        LlamaConfig c = model.config();
        long[][] prompt = new long[1][PROMPT];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < PROMPT; i++) {
            prompt[0][i] = i == 0 ? c.bosTokenId() : 3 + rng.nextInt(c.vocabSize() - 3);
        }
        double prefill = Double.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            try (NDManager m = NDManager.newBaseManager(model.device()); KvCache cache = model.newCache(m)) {
                long t = System.nanoTime();
                model.nextLogits(prompt, null, cache, m).toFloatArray();
                prefill = Math.min(prefill, (System.nanoTime() - t) / 1e6);
            }
        }
        row(s, "prefill 64 tokens, batch 1 (best of 3)", format("%.0f ms", prefill));
        long[] stamps = new long[steps + 1];
        int[] count = {0};
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(steps + 1).stopTokens().build();
        new Generator(model).generate(prompt, null, greedy, (row, token) -> stamps[count[0]++] = System.nanoTime());
        double tokensPerSecond = steps / ((stamps[steps] - stamps[0]) / 1e9);
        row(s, "decode, batch 1, " + steps + " cached steps", format("%.2f tokens/s", tokensPerSecond));
        return tokensPerSecond;
    }

    /** Writes config.json and random float16 shards unless the directory already holds this config. */
    private static void ensureCheckpoint(Path dir, String configJson, LlamaConfig config, long shardBytes,
            StringBuilder s) throws IOException {
        Path configFile = dir.resolve("config.json");
        if (Files.isRegularFile(configFile) && Files.readString(configFile).equals(configJson)
                && Files.isRegularFile(dir.resolve("pytorch_model.bin.index.json"))) {
            row(s, "checkpoint", "reused " + dir);
            return;
        }
        Files.deleteIfExists(configFile); // an interrupted write leaves no config that matches
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (LlamaModel shapeOnly = LlamaModel.random(tinyOf(config), 0, ai.djl.Device.cpu())) {
            shapes.putAll(shapesOf(config, shapeOnly.namedParameters()));
        }
        long start = System.nanoTime();
        TorchBinShardWriter.write(dir, shapes, shardBytes, key -> randomHalves(key, shapes.get(key)));
        Files.writeString(configFile, configJson);
        row(s, "checkpoint", format("written to %s in %.0f s", dir, (System.nanoTime() - start) / 1e9));
    }

    /** The same layer structure at a negligible size, to enumerate the parameter names in model order. */
    private static LlamaConfig tinyOf(LlamaConfig c) {
        return new LlamaConfig(8, 8, 8, c.numLayers(), 2, 2, c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(),
                c.maxPositions(), 1, c.tieWordEmbeddings(), 1, 2, 0, c.torchDtype());
    }

    /** The real shapes of the parameters {@code names} enumerates (checkpoint keys are independent of size). */
    private static Map<String, long[]> shapesOf(LlamaConfig c, Map<String, Parameter> names) {
        long d = c.hiddenSize();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String key : names.keySet()) {
            String leaf = key.substring(0, key.length() - ".weight".length());
            leaf = leaf.substring(leaf.lastIndexOf('.') + 1);
            long[] shape = switch (leaf) {
                case "embed_tokens", "lm_head" -> new long[] {c.vocabSize(), d};
                case "q_proj", "o_proj" -> new long[] {d, d};
                case "k_proj", "v_proj" -> new long[] {kv, d};
                case "gate_proj", "up_proj" -> new long[] {c.intermediateSize(), d};
                case "down_proj" -> new long[] {d, c.intermediateSize()};
                default -> new long[] {d}; // input_layernorm, post_attention_layernorm, norm
            };
            out.put(key, shape);
        }
        return out;
    }

    /**
     * Random float16 bits: matrices with magnitudes about 1/sqrt(fan_in), embeddings about 0.5-1, norm gains
     * 1.0-1.06, random signs (except the gains).
     */
    private static byte[] randomHalves(String key, long[] shape) {
        long n = 1;
        for (long dim : shape) {
            n *= dim;
        }
        byte[] out = new byte[Math.toIntExact(2 * n)];
        SplittableRandom rng = new SplittableRandom(key.hashCode());
        boolean gain = shape.length == 1;
        int exponent = gain ? HALF_BIAS
                : key.contains("embed_tokens") ? HALF_BIAS - 1
                : HALF_BIAS - (int) Math.round(0.5 * Math.log(shape[1]) / Math.log(2));
        for (int i = 0; i < out.length; i += 2) {
            int bits = rng.nextInt();
            int half = gain ? (exponent << 10) | (bits & 0x3f)
                    : (bits & 0x8000) | (exponent << 10) | ((bits >>> 16) & 0x3ff);
            out[i] = (byte) half;
            out[i + 1] = (byte) (half >>> 8);
        }
        return out;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("option " + args[args.length - 1] + " has no value");
        }
        return out;
    }
}
