package dev.seedj.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.seedj.core.bench.MatmulThroughput;
import dev.seedj.tokenizer.TokenizerConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The FLOP counts the tokenizer benchmark divides by, and (tagged benchmark) one short run. */
class TokenizerFlopsTest {

    @Test
    void encodeAtTheBenchSizesIsAbout58Gflop() {
        // hand count: patch embedding 256 * 588 * 768; 12 EVA blocks over 257 tokens (qkv + proj 4 * 768^2,
        // scores and weighted sum 2 * 257 * 768, MLP 2 * 768 * 3351); 12 Q-Former layers over 32 queries
        // (4 * 768^2 + 2 * 32 * 768 + 2 * 768 * 3072) of which 6 cross-attend (2 * 768^2 per query,
        // 2 * 257 * 768^2 for keys and values, 2 * 32 * 257 * 768); task layer; 32 x 8192 x 32 distances
        double patch = 256.0 * 588 * 768;
        double eva = 12 * (4.0 * 257 * 768 * 768 + 2.0 * 257 * 257 * 768 + 2.0 * 257 * 768 * 3351);
        double qformer = 12 * (4.0 * 32 * 768 * 768 + 2.0 * 32 * 32 * 768 + 2.0 * 32 * 768 * 3072)
                + 6 * (2.0 * 32 * 768 * 768 + 2.0 * 257 * 768 * 768 + 2.0 * 32 * 257 * 768);
        double tail = 32.0 * (768 * 768 + 768 * 32) + 32.0 * 8192 * 32;
        double expected = 2 * (patch + eva + qformer + tail);
        assertEquals(expected, TokenizerFlops.encode(TokenizerBenchmark.benchConfig()), 1);
        assertEquals(58.74, expected / 1e9, 0.01);
    }

    @Test
    void detokenizeCountsTheV1Head() {
        TokenizerConfig c = TokenizerBenchmark.benchConfig();
        double task = 32.0 * (32 * 32 + 32 * 768);
        double blocks = 4 * (4.0 * 32 * 768 * 768 + 2.0 * 32 * 32 * 768 + 2.0 * 32 * 768 * 3072);
        double reverse = 4 * (4.0 * 77 * 768 * 768 + 2.0 * 77 * 77 * 768 + 2.0 * 77 * 768 * 3072)
                + 2 * (2.0 * 77 * 768 * 768 + 2.0 * 32 * 768 * 768 + 2.0 * 77 * 32 * 768);
        double proj = 77.0 * 768 * 768;
        assertEquals(2 * (task + blocks + reverse + proj), TokenizerFlops.detokenize(c), 1);
    }

    @Test
    @Tag("benchmark")
    void aShortRunMeasuresEveryFigure() {
        TokenizerBenchmark.Result r = TokenizerBenchmark.run(1);
        assertTrue(r.matmulGflops() > 0 && r.encodeBatch1() > 0 && r.encodeBatch8() > 0);
        assertTrue(r.detokenizeBatch1() > 0 && r.detokenizeBatch8() > 0);
        assertEquals(4L * 253_117_524L, r.weightBytes());
        assertTrue(r.copyGbs() > 0);
        // the runtime holds no model: it is below the peak by at least the bench model's weights
        assertTrue(r.runtimeResidentBytes() > 0 && r.peakResidentBytes() - r.runtimeResidentBytes() > r.weightBytes(),
                r.toMarkdown());
        assertTrue(r.toMarkdown().contains("encode, batch 8"), r.toMarkdown());
        assertTrue(MatmulThroughput.gflops(64, 1, 1, Device.cpu()) > 0);
    }
}
