package dev.seedj.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Acceptance 5 of issue 2: the reference's Pillow 9.4 + torchvision preprocessing of the three oracle
 * photos ({@code preprocess/expected.safetensors}), reproduced bit for bit.
 */
class ImagePreprocessorOracleTest {

    private static final Path ORACLE = Oracle.root();

    private static StateDict expected;
    private static JsonObject images;

    @BeforeAll
    static void open() throws IOException {
        expected = StateDict.open(ORACLE.resolve("preprocess/expected.safetensors"));
        images = JsonParser.parseString(Files.readString(ORACLE.resolve("preprocess/case.json")))
                .getAsJsonObject().getAsJsonObject("images");
    }

    @AfterAll
    static void close() {
        expected.close();
    }

    /** Decoded photos, shared by the tests (decoding the 2022 x 1795 JPEG is the slow part). */
    private static final Map<String, BufferedImage> PHOTOS = new ConcurrentHashMap<>();

    private static BufferedImage photo(String name) {
        return PHOTOS.computeIfAbsent(name, n -> ImagePreprocessor.decode(ORACLE.resolve("images/" + n + ".jpg")));
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Java's JPEG decoder gives exactly the pixels Pillow 9.4 (libjpeg-turbo) decoded, for all three photos. */
    @ParameterizedTest
    @ValueSource(strings = {"cat_v1", "cat_main", "dog3"})
    void imageIoDecodesTheJpegsExactlyAsPillow(String name) throws NoSuchAlgorithmException {
        BufferedImage image = photo(name);
        JsonObject info = images.getAsJsonObject(name);
        assertEquals(info.getAsJsonArray("size_wh").get(0).getAsInt(), image.getWidth());
        assertEquals(info.getAsJsonArray("size_wh").get(1).getAsInt(), image.getHeight());
        assertEquals(info.get("decoded_rgb_sha256").getAsString(), sha256(RgbConversion.toRgb(image)),
                name + ": decoded RGB pixels differ from Pillow's");
    }

    @Test
    void losslessCopyOfPillowsDecodeMatchesTheJpegDecode() throws NoSuchAlgorithmException {
        BufferedImage png = ImagePreprocessor.decode(ORACLE.resolve("images/cat_main.decoded.png"));
        assertEquals(images.getAsJsonObject("cat_main").get("decoded_rgb_sha256").getAsString(),
                sha256(RgbConversion.toRgb(png)));
    }

    @ParameterizedTest
    @CsvSource({
        "cat_v1, BICUBIC", "cat_v1, BILINEAR",
        "cat_main, BICUBIC", "cat_main, BILINEAR",
        "dog3, BICUBIC", "dog3, BILINEAR"})
    void resizedPixelsMatchPillowBitForBit(String name, ResizeMode mode) {
        String key = name + "." + mode.name().toLowerCase(Locale.ROOT) + "_56.resized_u8";
        long[] want;
        try (NDManager manager = NDManager.newBaseManager(); NDArray u8 = expected.get(key, manager)) {
            assertEquals(new Shape(56, 56, 3), u8.getShape());
            want = u8.toLongArray();
        }
        ImagePreprocessor pre = new ImagePreprocessor(56, mode);
        List<BufferedImage> sources = name.equals("cat_main")
                ? List.of(photo(name), ImagePreprocessor.decode(ORACLE.resolve("images/cat_main.decoded.png")))
                : List.of(photo(name));
        for (BufferedImage source : sources) {
            byte[] got = pre.resizeRgb(source);
            assertEquals(want.length, got.length);
            int differing = 0;
            for (int i = 0; i < want.length; i++) {
                if ((got[i] & 0xFF) != want[i]) {
                    differing++;
                }
            }
            assertEquals(0, differing, key + ": samples differing from Pillow");
        }
    }

    @ParameterizedTest
    @CsvSource({
        "cat_v1, BICUBIC, 56", "cat_v1, BICUBIC, 224", "cat_v1, BILINEAR, 56",
        "cat_main, BICUBIC, 56", "cat_main, BICUBIC, 224", "cat_main, BILINEAR, 56", "cat_main, BILINEAR, 224",
        "dog3, BICUBIC, 56", "dog3, BICUBIC, 224", "dog3, BILINEAR, 56"})
    void normalizedTensorsMatchTorchvision(String name, ResizeMode mode, int size) {
        float[] want = expected.getFloats(name + "." + mode.name().toLowerCase(Locale.ROOT) + "_" + size);
        float[] got = new ImagePreprocessor(size, mode).toCHW(photo(name));
        assertEquals(3 * size * size, got.length);
        assertArrayEquals(want, got, 1e-6f);
    }

    @Test
    void ndArrayOutputsHaveTheReferenceLayoutSingleAndBatched() {
        ImagePreprocessor pre = new ImagePreprocessor(56, ResizeMode.BICUBIC);
        List<String> names = List.of("cat_v1", "cat_main", "dog3");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray one = pre.preprocess(photo("dog3"), manager);
            assertEquals(new Shape(3, 56, 56), one.getShape());
            assertEquals(DataType.FLOAT32, one.getDataType());
            assertArrayEquals(expected.getFloats("dog3.bicubic_56"), one.toFloatArray(), 1e-6f);

            NDArray batch = pre.preprocess(names.stream().map(ImagePreprocessorOracleTest::photo).toList(), manager);
            assertEquals(new Shape(3, 3, 56, 56), batch.getShape());
            for (int b = 0; b < names.size(); b++) {
                assertArrayEquals(expected.getFloats(names.get(b) + ".bicubic_56"), batch.get(b).toFloatArray(),
                        1e-6f, "batch row " + b);
            }
        }
    }

    /** The largest photo (2022 x 1795) is resized in well under a second. */
    @Test
    void largePhotoResizesQuickly() {
        BufferedImage dog = photo("dog3");
        ImagePreprocessor pre = new ImagePreprocessor(224, ResizeMode.BICUBIC);
        pre.toCHW(dog); // warm-up
        long start = System.nanoTime();
        pre.toCHW(dog);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 1.0, "convert + resize + normalize of 2022x1795 took " + seconds + " s");
    }
}
