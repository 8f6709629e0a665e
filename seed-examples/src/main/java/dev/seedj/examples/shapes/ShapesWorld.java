package dev.seedj.examples.shapes;

import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seeded shapes-64 generator: an endless, reproducible sequence of scenes for one base seed and one
 * split, with random access by index.
 *
 * <h2>Drawing a scene</h2>
 * Scene {@code i} is drawn by a fresh {@link SplittableRandom} seeded with {@link #sceneSeed(long)
 * sceneSeed(i)}, in this order, each uniform and independent: the shape (3 kinds), the colour (6), the
 * size (2), the background (2), the box side within the size's range (both ends included), then the
 * centre column and row, each in {@code IMAGE_SIZE / 2 +- MAX_JITTER} (both ends included). So the same
 * base seed, split and index always give the same scene and the same pixels, on any JVM.
 *
 * <h2>Held-out split</h2>
 * {@code sceneSeed(i) = mix(seed + (2 i + s) * 0x9E3779B97F4A7C15)} with {@code s = 0} for
 * {@link Split#TRAIN} and {@code s = 1} for {@link Split#TEST}, where {@code mix} is the bijective
 * 64-bit finaliser of {@link SplittableRandom} (Stafford's variant 13). For one base seed, {@code 2 i + s}
 * is distinct for every (split, index), multiplying by an odd constant is a bijection modulo
 * 2<sup>64</sup>, and so is {@code mix}: no scene seed is ever used by both splits, nor twice within one.
 * Test scenes are therefore never train scenes <em>by seed</em>; the world itself is small (about 229,000
 * distinct pictures), so the same picture can still occur in both splits by chance.
 *
 * <h2>Dataset folder</h2>
 * {@link #writeDataset(Path, int)} writes scenes {@code 0 .. count - 1} as PNG files and a
 * {@value #CAPTIONS_FILE} file with one {@code {"image": "<file name>", "caption": "<caption>"}} JSON
 * object per line, in index order; image names are relative to the folder.
 *
 * <p>Immutable and thread-safe.
 */
public final class ShapesWorld {

    /** Which of the two disjoint scene streams of a base seed a world draws from. */
    public enum Split {
        /** Scenes for training. */
        TRAIN,
        /** Held-out scenes for evaluation. */
        TEST
    }

    /** Name of the captions file in a dataset folder. */
    public static final String CAPTIONS_FILE = "captions.jsonl";

    private static final Logger LOG = LoggerFactory.getLogger(ShapesWorld.class);

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long seed;
    private final Split split;

    private ShapesWorld(long seed, Split split) {
        this.seed = seed;
        this.split = Objects.requireNonNull(split, "split");
    }

    /**
     * @param seed the base seed
     * @param split the split
     * @return the world of that base seed and split
     */
    public static ShapesWorld of(long seed, Split split) {
        return new ShapesWorld(seed, split);
    }

    /**
     * @param seed the base seed
     * @return its training scenes
     */
    public static ShapesWorld train(long seed) {
        return new ShapesWorld(seed, Split.TRAIN);
    }

    /**
     * @param seed the base seed
     * @return its held-out scenes, disjoint by seed from {@link #train(long) train(seed)}
     */
    public static ShapesWorld test(long seed) {
        return new ShapesWorld(seed, Split.TEST);
    }

    /** @return the base seed */
    public long seed() {
        return seed;
    }

    /** @return the split */
    public Split split() {
        return split;
    }

    /**
     * @param index the scene index, at least 0
     * @return the seed of the random generator that draws scene {@code index}, as the class documentation
     *     defines it
     */
    public long sceneSeed(long index) {
        requireIndex(index);
        long stream = 2 * index + (split == Split.TRAIN ? 0 : 1);
        return mix(seed + stream * GOLDEN_GAMMA);
    }

    /**
     * @param index the scene index, at least 0
     * @return scene {@code index} of this world
     */
    public ShapeScene scene(long index) {
        SplittableRandom random = new SplittableRandom(sceneSeed(index));
        ShapeKind shape = pick(random, ShapeKind.values());
        ShapeColour colour = pick(random, ShapeColour.values());
        ShapeSize size = pick(random, ShapeSize.values());
        Background background = pick(random, Background.values());
        int box = random.nextInt(size.minBox(), size.maxBox() + 1);
        int middle = ShapeScene.IMAGE_SIZE / 2;
        int low = middle - ShapeScene.MAX_JITTER;
        int high = middle + ShapeScene.MAX_JITTER + 1;
        int centreX = random.nextInt(low, high);
        int centreY = random.nextInt(low, high);
        return new ShapeScene(shape, colour, size, background, box, centreX, centreY);
    }

    /**
     * @param count how many scenes, at least 0
     * @return scenes {@code 0 .. count - 1}
     */
    public List<ShapeScene> scenes(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("scene count must be at least 0, got " + count);
        }
        List<ShapeScene> scenes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            scenes.add(scene(i));
        }
        return scenes;
    }

    /**
     * @param index the scene index, at least 0
     * @return scene {@code index} rendered, with its caption
     */
    public ShapeSample sample(long index) {
        ShapeScene scene = scene(index);
        return new ShapeSample(scene, ShapesRenderer.render(scene));
    }

    /**
     * Writes scenes {@code 0 .. count - 1} as a dataset folder (see the class documentation). Image files
     * are named by index with at least six digits: {@code 000000.png}, {@code 000001.png}, ...
     *
     * @param directory the folder to write; created if missing, and must be empty if it exists
     * @param count how many pictures, at least 1
     * @return the path of the written {@value #CAPTIONS_FILE}
     * @throws IllegalArgumentException if the count is below 1, or the path is a file or a non-empty folder
     * @throws IOException if writing fails
     */
    public Path writeDataset(Path directory, int count) throws IOException {
        Objects.requireNonNull(directory, "directory");
        if (count < 1) {
            throw new IllegalArgumentException("dataset size must be at least 1, got " + count);
        }
        requireEmptyFolder(directory);
        Files.createDirectories(directory);
        int digits = Math.max(6, Integer.toString(count - 1).length());
        Path captions = directory.resolve(CAPTIONS_FILE);
        try (BufferedWriter out = Files.newBufferedWriter(captions, StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                ShapeSample sample = sample(i);
                String name = String.format("%0" + digits + "d.png", i);
                writePng(sample.image(), directory.resolve(name));
                // Names are digits and ".png", captions lower-case words: no JSON escaping is ever needed.
                out.write("{\"image\": \"" + name + "\", \"caption\": \"" + sample.caption() + "\"}\n");
            }
        }
        LOG.info("wrote {} {} scenes of base seed {} to {}", count, split.name().toLowerCase(Locale.ROOT), seed,
                directory);
        return captions;
    }

    @Override
    public String toString() {
        return "ShapesWorld[seed=" + seed + ", split=" + split + "]";
    }

    private static void requireEmptyFolder(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("dataset path " + directory + " is a file, not a folder");
        }
        try (Stream<Path> entries = Files.list(directory)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException("dataset folder " + directory
                        + " is not empty; choose a new or empty folder");
            }
        }
    }

    private static void writePng(BufferedImage image, Path file) throws IOException {
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer available in this JVM to write " + file);
        }
    }

    private static void requireIndex(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("scene index must be at least 0, got " + index);
        }
    }

    private static <T> T pick(SplittableRandom random, T[] values) {
        return values[random.nextInt(values.length)];
    }

    /** Stafford's variant 13 64-bit finaliser, as {@link SplittableRandom} uses it; a bijection. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
