package dev.seedj.tokenizer.djl;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.seedj.core.image.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * DJL translator from an {@link Image} to its SEED codes, for a model whose block is a
 * {@link SeedTokenizerBlock}: the image is preprocessed exactly as {@code SeedTokenizer.tokenize} does
 * (Pillow-exact resize, CLIP normalisation), so a {@code Predictor<Image, int[]>} gives the same codes.
 * Images from DJL's default {@code BufferedImageFactory} are used as they are; images of other factories
 * are read back through {@link Image#toNDArray} as RGB.
 *
 * <p>Immutable and thread-safe.
 */
public final class ImageTokenizeTranslator implements Translator<Image, int[]> {
    private final ImagePreprocessor preprocessor;

    /** @param preprocessor the tokenizer's transform ({@code SeedTokenizer.preprocessor()}) */
    public ImageTokenizeTranslator(ImagePreprocessor preprocessor) {
        this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image input) {
        Objects.requireNonNull(input, "image");
        return new NDList(preprocessor.preprocess(toBufferedImage(input, ctx), ctx.getNDManager())); // [3, S, S]
    }

    @Override
    public int[] processOutput(TranslatorContext ctx, NDList list) {
        return list.singletonOrThrow().toType(DataType.INT32, false).toIntArray(); // [Q]
    }

    @Override
    public Batchifier getBatchifier() {
        return Batchifier.STACK;
    }

    private static BufferedImage toBufferedImage(Image image, TranslatorContext ctx) {
        if (image.getWrappedImage() instanceof BufferedImage buffered) {
            return buffered;
        }
        NDArray hwc = image.toNDArray(ctx.getNDManager(), Image.Flag.COLOR); // [H, W, 3] uint8 RGB
        byte[] rgb = hwc.toByteArray();
        int width = image.getWidth();
        int height = image.getHeight();
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] packed = new int[width * height];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
        }
        out.setRGB(0, 0, width, height, packed, 0, width);
        return out;
    }
}
