package dev.seedj.tokenizer.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.testing.Oracle;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictorTest {
    private static final List<String> PHOTOS = List.of("cat_main.decoded.png", "cat_v1.jpg", "dog3.jpg");
    private static SeedTokenizer tokenizer;

    @BeforeAll
    static void load(@TempDir Path dir) throws Exception {
        tokenizer = SeedTokenizer.load(OracleModelDir.v1Tiny(dir));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void predictorGivesTheCodesOfSeedTokenizerTokenize() throws Exception {
        try (ZooModel<Image, int[]> model = SeedTokenizerModels.tokenizing(tokenizer);
             Predictor<Image, int[]> predictor = model.newPredictor()) {
            for (String photo : PHOTOS) {
                BufferedImage pixels = ImagePreprocessor.decode(Oracle.path("images", photo));
                int[] expected = tokenizer.tokenize(pixels);
                assertEquals(32, expected.length);
                assertArrayEquals(expected, predictor.predict(ImageFactory.getInstance().fromImage(pixels)), photo);
            }
            // the PNG through DJL's own image loading, and a batch
            Image png = ImageFactory.getInstance().fromFile(Oracle.path("images", "cat_main.decoded.png"));
            int[] viaDjlFile = predictor.predict(png);
            assertArrayEquals(tokenizer.tokenize(ImagePreprocessor.decode(Oracle.path("images", "cat_main.decoded.png"))),
                    viaDjlFile);
            List<int[]> batch = predictor.batchPredict(List.of(png, png));
            assertArrayEquals(viaDjlFile, batch.get(0));
            assertArrayEquals(viaDjlFile, batch.get(1));
        }
    }

    @Test
    void imagesOfOtherFactoriesAreReadBackAsRgb() throws Exception {
        Image real = ImageFactory.getInstance().fromFile(Oracle.path("images", "cat_main.decoded.png"));
        // an Image that does not wrap a BufferedImage (as OpenCV's factory makes), answering only what is needed
        Image foreign = (Image) Proxy.newProxyInstance(Image.class.getClassLoader(), new Class<?>[] {Image.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getWrappedImage" -> "an OpenCV Mat";
                    case "getWidth" -> real.getWidth();
                    case "getHeight" -> real.getHeight();
                    case "toNDArray" -> real.toNDArray((NDManager) args[0], (Image.Flag) args[1]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        try (ZooModel<Image, int[]> model = SeedTokenizerModels.tokenizing(tokenizer);
             Predictor<Image, int[]> predictor = model.newPredictor()) {
            assertArrayEquals(predictor.predict(real), predictor.predict(foreign));
        }
    }

    @Test
    void detokenizingPredictorGivesTheTokenizersEmbeddings() throws Exception {
        int[] codes = tokenizer.tokenize(ImagePreprocessor.decode(Oracle.path("images", "dog3.jpg")));
        float[][] expected = tokenizer.detokenize(codes);
        try (ZooModel<int[], float[][]> model = SeedTokenizerModels.detokenizing(tokenizer);
             Predictor<int[], float[][]> predictor = model.newPredictor()) {
            float[][] actual = predictor.predict(codes);
            assertEquals(77, actual.length);
            for (int t = 0; t < expected.length; t++) {
                assertArrayEquals(expected[t], actual[t], 1e-6f, "token " + t);
            }
            TranslateException e = assertThrows(TranslateException.class, () -> predictor.predict(new int[] {1, 2}));
            assertTrue(String.valueOf(e.getCause()).contains("codes must be [B, 32]"), String.valueOf(e.getCause()));
        }
    }

    @Test
    void oneModelServesBothTranslators() throws Exception {
        try (Model model = SeedTokenizerModels.newModel(tokenizer);
             Predictor<Image, int[]> encoder = model.newPredictor(new ImageTokenizeTranslator(tokenizer.preprocessor()));
             Predictor<int[], float[][]> decoder = model.newPredictor(new CodesDetokenizeTranslator())) {
            Image photo = ImageFactory.getInstance().fromFile(Oracle.path("images", "cat_main.decoded.png"));
            int[] codes = encoder.predict(photo);
            assertArrayEquals(tokenizer.detokenize(codes)[5], decoder.predict(codes)[5], 1e-6f);
        }
    }
}
