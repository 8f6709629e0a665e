package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.batch.ItemResult;
import dev.seedj.core.image.ImageDecodeException;
import dev.seedj.core.testing.Oracle;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance 4: batched results equal one-by-one results; 4 threads get the same codes as one. */
class BatchingAndConcurrencyTest {
    private static SeedTokenizer tokenizer;
    private static List<BufferedImage> images;

    @BeforeAll
    static void load() {
        tokenizer = TinyModels.load("v1-tiny", "weights.safetensors");
        images = randomImages(new Random(7), 11); // more than MAX_BATCH: two chunks
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** Random-content images of assorted sizes, so every image gets different codes. */
    static List<BufferedImage> randomImages(Random rng, int count) {
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int w = 40 + rng.nextInt(90);
            int h = 40 + rng.nextInt(90);
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    image.setRGB(x, y, rng.nextInt(1 << 24));
                }
            }
            out.add(image);
        }
        return out;
    }

    @Test
    void batchedTokenizeEqualsOneByOne() {
        int[][] batched = tokenizer.tokenize(images);
        assertEquals(images.size(), batched.length);
        for (int i = 0; i < images.size(); i++) {
            assertArrayEquals(tokenizer.tokenize(images.get(i)), batched[i], "image " + i);
        }
        assertEquals(0, tokenizer.tokenize(List.of()).length);
    }

    @Test
    void oneResultPerImageWhenSomeCannotBeTokenized(@TempDir Path dir) throws Exception {
        int[][] expected = tokenizer.tokenize(images);
        List<BufferedImage> withNull = new ArrayList<>(images);
        withNull.add(3, null);
        List<ItemResult<int[]>> each = tokenizer.tokenizeEach(withNull);
        assertEquals(images.size() + 1, each.size());
        assertFalse(each.get(3).isSuccess());
        assertEquals("images[3] is null", each.get(3).errorMessage());
        for (int i = 0, k = 0; i < each.size(); i++) {
            if (i != 3) {
                assertArrayEquals(expected[k++], each.get(i).value(), "image " + i);
            }
        }

        Path good = dir.resolve("good.png");
        ImageIO.write(images.get(0), "png", good.toFile());
        Path broken = Files.writeString(dir.resolve("broken.png"), "not a picture");
        Path missing = dir.resolve("missing.png");
        List<ItemResult<int[]>> files = tokenizer.tokenizeFiles(List.of(broken, good, missing, good));
        assertEquals(4, files.size());
        assertTrue(files.get(0).errorMessage().startsWith(broken.toString()), files.get(0).errorMessage());
        assertInstanceOf(ImageDecodeException.class, files.get(0).error().orElseThrow());
        assertEquals(missing + ": file not found", files.get(2).errorMessage());
        assertArrayEquals(expected[0], files.get(1).value());
        assertArrayEquals(expected[0], files.get(3).value());
        assertThrows(ImageDecodeException.class, () -> files.get(2).value());
    }

    @Test
    void batchedEncodeEqualsOneByOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pixels = tokenizer.preprocessor().preprocess(images.subList(0, 5), m); // [5, 3, S, S]
            try (Encoding batch = tokenizer.encode(pixels)) {
                assertEquals(new Shape(5, 32), batch.codes().getShape());
                assertEquals(DataType.INT64, batch.codes().getDataType());
                assertEquals(new Shape(5, 32, 24), batch.causalEmbeddings().getShape());
                assertEquals(new Shape(5, 32, 32), batch.quantized().getShape());
                int[][] batchCodes = batch.codeArrays();
                for (int i = 0; i < 5; i++) {
                    NDArray one = pixels.get(i).expandDims(0); // [1, 3, S, S]
                    try (Encoding single = tokenizer.encode(one)) {
                        assertArrayEquals(single.codeArrays()[0], batchCodes[i], "codes of image " + i);
                        Oracle.assertClose("causal embeddings of image " + i,
                                single.causalEmbeddings().toFloatArray(),
                                batch.causalEmbeddings().get(i).toFloatArray(), 1e-5);
                        Oracle.assertClose("quantized of image " + i, single.quantized().toFloatArray(),
                                batch.quantized().get(i).toFloatArray(), 1e-5);
                    }
                }
                NDArray embeds = tokenizer.detokenize(batch.codes(), m); // [5, 77, 768]
                for (int i = 0; i < 5; i++) {
                    float[][] single = tokenizer.detokenize(batchCodes[i]);
                    float[] flat = new float[single.length * single[0].length];
                    for (int t = 0; t < single.length; t++) {
                        System.arraycopy(single[t], 0, flat, t * single[t].length, single[t].length);
                    }
                    Oracle.assertClose("generation embeddings of image " + i, flat, embeds.get(i).toFloatArray(),
                            1e-5);
                }
            }
        }
    }

    @Test
    void fourThreadsGetTheCodesOfOne() throws Exception {
        int[][] expected = tokenizer.tokenize(images);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<int[][]>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(pool.submit(() -> {
                    start.await();
                    int[][] codes = new int[images.size()][];
                    for (int round = 0; round < 3; round++) {
                        for (int k = 0; k < images.size(); k++) {
                            int i = (k + offset * 3) % images.size(); // each thread in a different order
                            codes[i] = tokenizer.tokenize(images.get(i));
                        }
                    }
                    return codes;
                }));
            }
            start.countDown();
            for (int t = 0; t < 4; t++) {
                int[][] codes = results.get(t).get(60, TimeUnit.SECONDS);
                for (int i = 0; i < images.size(); i++) {
                    assertArrayEquals(expected[i], codes[i], "thread " + t + ", image " + i);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closingWaitsAndLaterCallsFailClearly() {
        SeedTokenizer other = TinyModels.load("v2-tiny", "weights.safetensors");
        int[] codes = other.tokenize(images.get(0));
        assertEquals(32, codes.length);
        other.close();
        other.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.tokenize(images.get(0)));
        assertEquals("the tokenizer is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> other.detokenize(codes));
    }
}
