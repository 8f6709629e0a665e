package dev.seedj.examples.cli;

import dev.seedj.core.image.ImageDecodeException;
import dev.seedj.core.image.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Image files named on the command line: files as given, folders expanded (recursively, sorted by path) to
 * the image files they hold.
 *
 * <p>Stateless; thread-safe.
 */
public final class ImageInputs {
    /** File name extensions taken from folders (lower case). */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "wbmp");

    private ImageInputs() {
    }

    /**
     * @param inputs image files and folders
     * @return the image files in order: each input file, or a folder's image files sorted by path; an input
     *     that does not exist is kept as it is, so that reading it reports it in its place
     * @throws CliException if a folder holds no image
     */
    public static List<Path> expand(List<Path> inputs) {
        List<Path> files = new ArrayList<>();
        for (Path input : inputs) {
            if (Files.isRegularFile(input)) {
                files.add(input);
            } else if (Files.isDirectory(input)) {
                List<Path> found = imagesIn(input);
                if (found.isEmpty()) {
                    throw new CliException("folder " + input + " holds no image (" + String.join(", ",
                            EXTENSIONS.stream().sorted().toList()) + ")");
                }
                files.addAll(found);
            } else {
                files.add(input);
            }
        }
        return files;
    }

    /**
     * @param file an image file
     * @return its pixels
     * @throws CliException naming the file if it is missing or cannot be decoded, worded as the library's batch
     *     calls word it ({@code cat.jpg: file not found})
     */
    public static BufferedImage read(Path file) {
        try {
            return ImagePreprocessor.decode(file);
        } catch (ImageDecodeException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    private static List<Path> imagesIn(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).filter(ImageInputs::isImageName).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private static boolean isImageName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
