package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.image.ResizeMode;
import dev.seedj.core.testing.Oracle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 3: from image files to codes. {@code cat_main.decoded.png} holds the pixels Pillow decoded,
 * so it must give the reference codes exactly; the JPEGs must too, because Java's decoder reproduces
 * Pillow's (libjpeg-turbo) pixels for these files (checked in seed-core's preprocessing tests).
 */
class EndToEndImageTest {
    private static final List<BufferedImage> PHOTOS = new ArrayList<>();
    private static BufferedImage decodedPng;

    @BeforeAll
    static void decode() {
        for (String name : OracleCodes.PHOTOS) {
            PHOTOS.add(ImagePreprocessor.decode(Oracle.path("images", name + ".jpg")));
        }
        decodedPng = ImagePreprocessor.decode(Oracle.path("images", "cat_main.decoded.png"));
    }

    @AfterAll
    static void release() {
        PHOTOS.clear();
    }

    @Test
    void v1PhotosGiveTheReferenceCodes() {
        try (SeedTokenizer tokenizer = TinyModels.load("v1-tiny", "weights.safetensors")) {
            check(tokenizer, OracleCodes.codes("v1-tiny", "photos"));
        }
    }

    @Test
    void v2PhotosGiveTheReferenceCodesWithBothResizeFilters(@TempDir Path dir) throws IOException {
        try (SeedTokenizer tokenizer = TinyModels.load("v2-tiny", "weights.safetensors")) {
            check(tokenizer, OracleCodes.codes("v2-tiny", "photos_bicubic"));
        }
        TokenizerConfig c = TinyModels.config("v2-tiny");
        TokenizerConfig bilinear = new TokenizerConfig(c.version(), c.imageSize(), ResizeMode.BILINEAR,
                c.imageMean(), c.imageStd(), c.vision(), c.qformer(), c.codebook(), c.decoder(), c.weights());
        Path modelDir = Files.createDirectory(dir.resolve("bilinear"));
        try (SeedTokenizer tokenizer = SeedTokenizer.load(
                TinyModels.modelDir("v2-tiny", "weights.safetensors", bilinear, modelDir))) {
            check(tokenizer, OracleCodes.codes("v2-tiny", "photos_bilinear"));
        }
    }

    private static void check(SeedTokenizer tokenizer, int[][] reference) {
        for (int i = 0; i < PHOTOS.size(); i++) {
            assertArrayEquals(reference[i], tokenizer.tokenize(PHOTOS.get(i)),
                    OracleCodes.PHOTOS[i] + ".jpg with " + tokenizer.config().resize());
        }
        assertArrayEquals(reference[1], tokenizer.tokenize(decodedPng),
                "cat_main.decoded.png with " + tokenizer.config().resize());
        int[][] batched = tokenizer.tokenize(PHOTOS);
        for (int i = 0; i < PHOTOS.size(); i++) {
            assertArrayEquals(reference[i], batched[i], OracleCodes.PHOTOS[i] + ".jpg in a batch");
        }
    }
}
