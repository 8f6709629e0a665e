package dev.seedj.examples.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.train.ImageTextExample;
import dev.seedj.core.train.JsonlImageTextDataset;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapesWorldTest {

    @Test
    void sameSeedGivesSameScenesAndPixels() {
        ShapesWorld a = ShapesWorld.train(7);
        ShapesWorld b = ShapesWorld.of(7, ShapesWorld.Split.TRAIN);
        assertEquals(a.scenes(200), b.scenes(200));
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(pixels(a.sample(i).image()), pixels(b.sample(i).image()));
            assertEquals(a.scene(i), a.sample(i).scene());
            assertEquals(a.scene(i).caption(), a.sample(i).caption());
        }
        assertEquals(a.scenes(50).get(49), a.scene(49));
    }

    @Test
    void generatorIsPinnedAcrossVersions() {
        // Reproducible training depends on these never changing.
        ShapesWorld world = ShapesWorld.train(42);
        assertEquals(GOLDEN_TRAIN_42, world.scenes(GOLDEN_TRAIN_42.size()));
        assertEquals(GOLDEN_TEST_42_FIRST, ShapesWorld.test(42).scene(0));
    }

    @Test
    void differentSeedsAndSplitsGiveDifferentScenes() {
        assertNotEquals(ShapesWorld.train(1).scenes(20), ShapesWorld.train(2).scenes(20));
        assertNotEquals(ShapesWorld.train(1).scenes(20), ShapesWorld.test(1).scenes(20));
    }

    @Test
    void testSplitNeverUsesATrainSeed() {
        for (long base : new long[] {0, 1, 42, -1, Long.MAX_VALUE, Long.MIN_VALUE}) {
            ShapesWorld train = ShapesWorld.train(base);
            ShapesWorld test = ShapesWorld.test(base);
            Set<Long> trainSeeds = new HashSet<>();
            for (int i = 0; i < 20_000; i++) {
                trainSeeds.add(train.sceneSeed(i));
            }
            assertEquals(20_000, trainSeeds.size(), "train seeds repeat for base " + base);
            for (int i = 0; i < 20_000; i++) {
                assertTrue(!trainSeeds.contains(test.sceneSeed(i)), "test index " + i + " of base " + base);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ShapesWorld.test(0).sceneSeed(-1));
    }

    @Test
    void attributesAreUniformAndGeometryStaysInRange() {
        int n = 12_000;
        Map<ShapeKind, Integer> shapes = new EnumMap<>(ShapeKind.class);
        Map<ShapeColour, Integer> colours = new EnumMap<>(ShapeColour.class);
        Map<ShapeSize, Integer> sizes = new EnumMap<>(ShapeSize.class);
        Map<Background, Integer> backgrounds = new EnumMap<>(Background.class);
        int[] boxes = new int[49];
        int[] centres = new int[64];
        for (ShapeScene scene : ShapesWorld.train(3).scenes(n)) {
            shapes.merge(scene.shape(), 1, Integer::sum);
            colours.merge(scene.colour(), 1, Integer::sum);
            sizes.merge(scene.size(), 1, Integer::sum);
            backgrounds.merge(scene.background(), 1, Integer::sum);
            assertTrue(scene.size().contains(scene.box()), scene.toString());
            assertTrue(scene.left() >= 0 && scene.left() + scene.box() <= 64, scene.toString());
            assertTrue(scene.top() >= 0 && scene.top() + scene.box() <= 64, scene.toString());
            boxes[scene.box()]++;
            centres[scene.centreX()]++;
            centres[scene.centreY()]++;
        }
        // Each count within 5 standard deviations (binomial) of its expectation.
        assertUniform(shapes.values(), 3, n);
        assertUniform(colours.values(), 6, n);
        assertUniform(sizes.values(), 2, n);
        assertUniform(backgrounds.values(), 2, n);
        for (int box = 0; box < boxes.length; box++) {
            boolean allowed = ShapeSize.SMALL.contains(box) || ShapeSize.LARGE.contains(box);
            assertEquals(allowed, boxes[box] > 0, "box " + box);
        }
        for (int c = 0; c < 64; c++) {
            assertEquals(c >= 24 && c <= 40, centres[c] > 0, "centre " + c);
        }
    }

    private static void assertUniform(java.util.Collection<Integer> counts, int categories, int n) {
        assertEquals(categories, counts.size());
        double p = 1.0 / categories;
        double sd = Math.sqrt(n * p * (1 - p));
        for (int count : counts) {
            assertEquals(n * p, count, 5 * sd, counts.toString());
        }
    }

    @Test
    void writesADatasetFolder(@TempDir Path tmp) throws IOException {
        Path folder = tmp.resolve("shapes");
        ShapesWorld world = ShapesWorld.test(11);
        Path captions = world.writeDataset(folder, 12);
        assertEquals(folder.resolve(ShapesWorld.CAPTIONS_FILE), captions);
        List<String> lines = Files.readAllLines(captions, StandardCharsets.UTF_8);
        assertEquals(12, lines.size());
        Pattern line = Pattern.compile("\\{\"image\": \"([0-9]{6}\\.png)\", \"caption\": \"([a-z ]+)\"}");
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = line.matcher(lines.get(i));
            assertTrue(m.matches(), lines.get(i));
            assertEquals(String.format("%06d.png", i), m.group(1));
            assertEquals(world.scene(i).caption(), m.group(2));
            BufferedImage read = ImageIO.read(folder.resolve(m.group(1)).toFile());
            assertArrayEquals(pixels(world.sample(i).image()), pixels(read));
        }
        try (var files = Files.list(folder)) {
            assertEquals(13, files.count());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> world.writeDataset(folder, 3));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> world.writeDataset(captions, 3));
        assertThrows(IllegalArgumentException.class, () -> world.writeDataset(tmp.resolve("none"), 0));
    }

    @Test
    void datasetFolderOpensWithTheTrainingLoader(@TempDir Path tmp) throws IOException {
        ShapesWorld world = ShapesWorld.train(5);
        world.writeDataset(tmp, 8);
        try (JsonlImageTextDataset dataset = JsonlImageTextDataset.open(tmp)) {
            assertEquals(8, dataset.size());
            for (int i = 0; i < 8; i++) {
                ImageTextExample example = dataset.get(i);
                assertEquals(world.scene(i).caption(), example.caption());
                BufferedImage read = ImageIO.read(new ByteArrayInputStream(example.imageBytes()));
                assertArrayEquals(pixels(world.sample(i).image()), pixels(read));
            }
        }
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static final List<ShapeScene> GOLDEN_TRAIN_42 = List.of(
            new ShapeScene(ShapeKind.TRIANGLE, ShapeColour.BLUE, ShapeSize.SMALL, Background.BLACK, 21, 28, 40),
            new ShapeScene(ShapeKind.SQUARE, ShapeColour.PURPLE, ShapeSize.SMALL, Background.BLACK, 17, 37, 38),
            new ShapeScene(ShapeKind.SQUARE, ShapeColour.GREEN, ShapeSize.LARGE, Background.WHITE, 41, 32, 37),
            new ShapeScene(ShapeKind.SQUARE, ShapeColour.YELLOW, ShapeSize.LARGE, Background.WHITE, 39, 28, 32),
            new ShapeScene(ShapeKind.SQUARE, ShapeColour.GREEN, ShapeSize.LARGE, Background.WHITE, 42, 29, 39));

    private static final ShapeScene GOLDEN_TEST_42_FIRST =
            new ShapeScene(ShapeKind.CIRCLE, ShapeColour.YELLOW, ShapeSize.LARGE, Background.WHITE, 38, 36, 38);
}
