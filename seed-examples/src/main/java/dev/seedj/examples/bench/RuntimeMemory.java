package dev.seedj.examples.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.bench.ProcessMemory;
import dev.seedj.core.nn.NativeAllocator;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;

/**
 * The resident memory a tokenizer process holds whatever the model's size, for the memory goal of issue 14 ("peak
 * at most 1.2 x the weights plus the fixed runtime"): the JVM and its heap, libtorch's code and the kernels its
 * libraries generate, the allocator's bookkeeping. It is measured rather than assumed: the tiny tokenizer ({@link
 * VitgTokenizerBenchmark#config}{@code ("tiny")}, about a megabyte of weights) runs {@code encode} and {@code
 * detokenize} at batch 8 through the same code as the benchmarked model, is freed, the freed heap pages go back to
 * the system ({@link NativeAllocator#trim()}), and the resident size is read. On the 2-core benchmark machine this is
 * about 300 MB, twice the estimate.
 *
 * <p>Not thread-safe: call it before the benchmarked model exists, with nothing else computing.
 */
public final class RuntimeMemory {
    private RuntimeMemory() {}

    /**
     * @param device where the tiny tokenizer runs
     * @return resident bytes after the tiny tokenizer was freed, or -1 off Linux
     */
    public static long residentBytes(Device device) {
        if (!ProcessMemory.available()) {
            return -1;
        }
        TokenizerConfig tiny = VitgTokenizerBenchmark.config("tiny");
        int size = tiny.imageSize();
        try (SeedTokenizer tokenizer = SeedTokenizer.withRandomWeights(tiny, device);
                NDManager manager = NDManager.newBaseManager(device)) {
            NDArray pixels = manager.randomNormal(new Shape(8, 3, size, size));
            NDArray codes = TokenizerBenchmark.randomCodes(manager, 8, tiny);
            for (int i = 0; i < 3; i++) {
                TokenizerBenchmark.encode(tokenizer, pixels);
                TokenizerBenchmark.detokenize(tokenizer, codes, manager);
            }
        }
        NativeAllocator.trim();
        return ProcessMemory.residentBytes();
    }
}
