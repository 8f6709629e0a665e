package dev.seedj.examples.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ShapeClassifierTest {

    private static final int SIZE = ShapeScene.IMAGE_SIZE;

    /** 14 scenes of each of the 72 attribute combinations: the 4 extreme placements and 10 random ones. */
    private static List<ShapeScene> everyCombination() {
        SplittableRandom random = new SplittableRandom(2024);
        int low = SIZE / 2 - ShapeScene.MAX_JITTER;
        int high = SIZE / 2 + ShapeScene.MAX_JITTER;
        List<ShapeScene> scenes = new ArrayList<>();
        for (ShapeKind shape : ShapeKind.values()) {
            for (ShapeColour colour : ShapeColour.values()) {
                for (ShapeSize size : ShapeSize.values()) {
                    for (Background background : Background.values()) {
                        scenes.add(new ShapeScene(shape, colour, size, background, size.minBox(), low, low));
                        scenes.add(new ShapeScene(shape, colour, size, background, size.minBox(), high, high));
                        scenes.add(new ShapeScene(shape, colour, size, background, size.maxBox(), low, high));
                        scenes.add(new ShapeScene(shape, colour, size, background, size.maxBox(), high, low));
                        for (int i = 0; i < 10; i++) {
                            scenes.add(new ShapeScene(shape, colour, size, background,
                                    random.nextInt(size.minBox(), size.maxBox() + 1),
                                    random.nextInt(low, high + 1), random.nextInt(low, high + 1)));
                        }
                    }
                }
            }
        }
        return scenes;
    }

    private static double accuracy(List<ShapeScene> scenes, UnaryOperator<BufferedImage> distortion) {
        int right = 0;
        for (ShapeScene scene : scenes) {
            if (ShapeClassifier.judge(distortion.apply(ShapesRenderer.render(scene))).matches(scene.attributes())) {
                right++;
            }
        }
        return (double) right / scenes.size();
    }

    @Test
    void judgesEveryCleanRenderOfEveryCombinationRight() {
        List<ShapeScene> scenes = everyCombination();
        assertEquals(72 * 14, scenes.size());
        for (ShapeScene scene : scenes) {
            Judgement judgement = ShapeClassifier.judge(ShapesRenderer.render(scene));
            assertEquals(Optional.of(scene.attributes()), judgement.attributes(), scene.toString());
            assertEquals(scene.box(), judgement.boxWidth(), scene.toString());
            assertEquals(scene.box(), judgement.boxHeight(), scene.toString());
            assertEquals(1.0, judgement.shapeIou(), scene.toString());
            assertEquals(1.0, judgement.colourShare(), scene.toString());
        }
    }

    @Test
    void judgesGeneratorScenesRight() {
        assertEquals(1.0, accuracy(ShapesWorld.test(5).scenes(1000), UnaryOperator.identity()));
    }

    @Test
    void robustToGaussianNoise() {
        SplittableRandom random = new SplittableRandom(99);
        double accuracy = accuracy(everyCombination(), image -> noisy(image, 20, random));
        assertTrue(accuracy >= 0.98, "accuracy " + accuracy);
    }

    @Test
    void robustToBoxBlur() {
        double accuracy = accuracy(everyCombination(), ShapeClassifierTest::blurred);
        assertTrue(accuracy >= 0.98, "accuracy " + accuracy);
    }

    @Test
    void robustToBlurThenNoise() {
        SplittableRandom random = new SplittableRandom(7);
        double accuracy = accuracy(everyCombination(), image -> noisy(blurred(image), 20, random));
        assertTrue(accuracy >= 0.98, "accuracy " + accuracy);
    }

    @Test
    void countsColoursBlendedWithTheBackgroundAsTheirOwn() {
        // Half red, half white is (238, 148, 148): nearer orange (245, 140, 30) than red by plain distance
        // once blue is ignored, but it lies on the white-to-red segment.
        ShapeScene scene = new ShapeScene(ShapeKind.CIRCLE, ShapeColour.RED, ShapeSize.LARGE, Background.WHITE,
                40, 32, 32);
        BufferedImage faded = blend(ShapesRenderer.render(scene), Background.WHITE.rgb(), 0.5);
        Judgement judgement = ShapeClassifier.judge(faded);
        assertEquals(Optional.of(scene.attributes()), judgement.attributes());
        for (ShapeColour colour : ShapeColour.values()) {
            for (Background background : Background.values()) {
                ShapeScene s = new ShapeScene(ShapeKind.TRIANGLE, colour, ShapeSize.SMALL, background, 20, 30, 34);
                Judgement j = ShapeClassifier.judge(blend(ShapesRenderer.render(s), background.rgb(), 0.6));
                assertTrue(j.matches(s.attributes()), s + " judged " + j);
            }
        }
    }

    @Test
    void largestShapeAndMostFrequentColourWin() {
        BufferedImage image = ShapesRenderer.render(new ShapeScene(ShapeKind.SQUARE, ShapeColour.BLUE,
                ShapeSize.LARGE, Background.BLACK, 36, 40, 40));
        // A small red square in the free top-left corner, not touching the blue one.
        for (int y = 2; y < 18; y++) {
            for (int x = 2; x < 18; x++) {
                image.setRGB(x, y, ShapeColour.RED.rgb());
            }
        }
        Judgement judgement = ShapeClassifier.judge(image);
        assertEquals(new CaptionAttributes(ShapeKind.SQUARE, ShapeColour.BLUE, ShapeSize.LARGE, Background.BLACK),
                judgement.attributes().orElseThrow());
        assertEquals(36 * 36, judgement.foregroundPixels());
    }

    @Test
    void findsNoShapeInAPlainPicture() {
        for (Background background : Background.values()) {
            BufferedImage image = grey(background.level());
            Judgement judgement = ShapeClassifier.judge(image);
            assertEquals(Judgement.noShape(background), judgement);
            assertFalse(judgement.found());
            assertFalse(judgement.matches(new CaptionAttributes(ShapeKind.SQUARE, ShapeColour.RED,
                    ShapeSize.SMALL, background)));
            assertEquals(Judgement.noShape(background),
                    ShapeClassifier.judge(noisy(image, 20, new SplittableRandom(background.ordinal()))));
        }
    }

    @Test
    void findsNoShapeInPureNoise() {
        // Mid-grey noise is not clipped, so it is the strongest background variation: the threshold must
        // rise above it (3 x the border's median distance) rather than call a noise blob a shape.
        SplittableRandom random = new SplittableRandom(5);
        for (int level : new int[] {60, 100, 200}) {
            for (int i = 0; i < 20; i++) {
                Judgement judgement = ShapeClassifier.judge(noisy(grey(level), 30, random));
                assertFalse(judgement.found(), "level " + level + ": " + judgement);
                assertEquals(level >= 128 ? Background.WHITE : Background.BLACK, judgement.background());
            }
        }
    }

    @Test
    void judgesAnyImageTypeBySRgbValues() {
        ShapeScene scene = new ShapeScene(ShapeKind.TRIANGLE, ShapeColour.YELLOW, ShapeSize.LARGE,
                Background.WHITE, 44, 30, 36);
        BufferedImage rendered = ShapesRenderer.render(scene);
        BufferedImage bgr = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_3BYTE_BGR);
        bgr.getGraphics().drawImage(rendered, 0, 0, null);
        assertTrue(ShapeClassifier.judge(bgr).matches(scene.attributes()));
    }

    @Test
    void rejectsPicturesOfTheWrongSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapeClassifier.judge(new BufferedImage(32, 64, BufferedImage.TYPE_INT_RGB)));
        assertTrue(e.getMessage().contains("32x64"), e.getMessage());
    }

    private static BufferedImage noisy(BufferedImage image, double sigma, SplittableRandom random) {
        int[] in = pixels(image);
        int[] out = new int[in.length];
        for (int i = 0; i < in.length; i++) {
            for (int shift = 16; shift >= 0; shift -= 8) {
                out[i] |= clamp(((in[i] >> shift) & 0xFF) + random.nextGaussian() * sigma) << shift;
            }
        }
        return image(out);
    }

    /** 3 x 3 box blur, edges replicated. */
    private static BufferedImage blurred(BufferedImage image) {
        int[] in = pixels(image);
        int[] out = new int[in.length];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                for (int shift = 16; shift >= 0; shift -= 8) {
                    int sum = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int sx = Math.max(0, Math.min(SIZE - 1, x + dx));
                            int sy = Math.max(0, Math.min(SIZE - 1, y + dy));
                            sum += (in[sy * SIZE + sx] >> shift) & 0xFF;
                        }
                    }
                    out[y * SIZE + x] |= clamp(sum / 9.0) << shift;
                }
            }
        }
        return image(out);
    }

    /** Every pixel moved {@code amount} of the way towards {@code towards}. */
    private static BufferedImage blend(BufferedImage image, int towards, double amount) {
        int[] in = pixels(image);
        int[] out = new int[in.length];
        for (int i = 0; i < in.length; i++) {
            for (int shift = 16; shift >= 0; shift -= 8) {
                double from = (in[i] >> shift) & 0xFF;
                double to = (towards >> shift) & 0xFF;
                out[i] |= clamp(from + (to - from) * amount) << shift;
            }
        }
        return image(out);
    }

    /** A picture of one plain grey level. */
    private static BufferedImage grey(int level) {
        int[] out = new int[SIZE * SIZE];
        Arrays.fill(out, (level << 16) | (level << 8) | level);
        return image(out);
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, SIZE, SIZE, null, 0, SIZE);
    }

    private static BufferedImage image(int[] rgb) {
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, SIZE, SIZE, rgb, 0, SIZE);
        return image;
    }

    private static int clamp(double value) {
        return (int) Math.max(0, Math.min(255, Math.round(value)));
    }
}
