package dev.seedj.core.image;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the first frame of an image with ImageIO, as strictly as Pillow's {@code Image.open(...).load()}:
 * truncated data is an error (Pillow raises "image file is truncated"), and images beyond Pillow's
 * decompression-bomb limit are refused before their pixels are allocated. No EXIF rotation is applied
 * (Pillow applies none either). Streams are cached in memory, never in temporary files.
 *
 * <p>Stateless and thread-safe: every call uses its own reader.
 */
final class ImageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(ImageDecoder.class);

    /** Pillow's {@code DecompressionBombError} threshold: twice {@code Image.MAX_IMAGE_PIXELS}. */
    static final long MAX_PIXELS = 2L * (1024 * 1024 * 1024 / 4 / 3);

    private ImageDecoder() {
    }

    static BufferedImage decode(Path file) {
        Objects.requireNonNull(file, "file");
        String source = file.toString();
        if (!Files.exists(file)) {
            throw new ImageDecodeException(source, "file not found");
        }
        if (Files.isDirectory(file)) {
            throw new ImageDecodeException(source, "is a directory, not an image file");
        }
        if (!Files.isReadable(file)) {
            throw new ImageDecodeException(source, "file is not readable");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return decode(in, source);
        } catch (IOException e) {
            throw new ImageDecodeException(source, "cannot read file: " + e.getMessage(), e);
        }
    }

    static BufferedImage decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        String source = "image bytes (" + bytes.length + " bytes)";
        if (bytes.length == 0) {
            throw new ImageDecodeException(source, "empty input");
        }
        return decode(new ByteArrayInputStream(bytes), source);
    }

    /** Reads {@code in} to the image's end; does not close it. */
    static BufferedImage decode(InputStream in, String source) {
        Objects.requireNonNull(in, "in");
        try (ImageInputStream stream = new MemoryCacheImageInputStream(in)) {
            return read(stream, source);
        } catch (IOException e) {
            throw new ImageDecodeException(source, "cannot read input: " + e.getMessage(), e);
        }
    }

    private static BufferedImage read(ImageInputStream stream, String source) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
        if (!readers.hasNext()) {
            throw new ImageDecodeException(source, "not an image in a format ImageIO reads ("
                    + String.join(", ", readableFormats()) + ")");
        }
        ImageReader reader = readers.next();
        String format = formatName(reader);
        List<String> truncation = new ArrayList<>();
        reader.addIIOReadWarningListener((r, warning) -> {
            String w = warning.toLowerCase(Locale.ROOT);
            if (w.contains("truncated") || w.contains("premature end")) {
                truncation.add(warning);
            } else {
                LOG.warn("{}: {} decoder warning: {}", source, format, warning);
            }
        });
        try {
            reader.setInput(stream, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new ImageDecodeException(source, format + " image has no pixels (" + width + "x" + height + ")");
            }
            if ((long) width * height > MAX_PIXELS) {
                throw new ImageDecodeException(source, format + " image is " + width + "x" + height + " = "
                        + (long) width * height + " pixels, more than the limit of " + MAX_PIXELS
                        + " (Pillow's decompression-bomb limit)");
            }
            BufferedImage image = reader.read(0);
            if (!truncation.isEmpty()) {
                throw truncated(source, format, truncation, null);
            }
            return image;
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            if (!truncation.isEmpty()) {
                throw truncated(source, format, truncation, e);
            }
            if (endsEarly(e)) {
                throw truncated(source, format, List.of(String.valueOf(e.getMessage())), e);
            }
            String problem = "corrupt or unsupported " + format + " image: " + e.getMessage();
            if ("JPEG".equals(format) && String.valueOf(e.getMessage()).contains("Unsupported Image Type")) {
                problem += " (Java's JPEG decoder does not read this JPEG colour type; convert the image to RGB)";
            }
            throw new ImageDecodeException(source, problem, e);
        } finally {
            reader.dispose();
        }
    }

    private static Set<String> readableFormats() {
        Set<String> names = new TreeSet<>();
        for (String name : ImageIO.getReaderFormatNames()) {
            names.add(name.toUpperCase(Locale.ROOT));
        }
        return names;
    }

    private static ImageDecodeException truncated(
            String source, String format, List<String> warnings, Exception cause) {
        return new ImageDecodeException(source, "image file is truncated (" + format + " decoder: "
                + String.join("; ", warnings) + ")", cause);
    }

    /** @return true if the data ran out: an {@link EOFException} somewhere in the cause chain */
    private static boolean endsEarly(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException) {
                return true;
            }
        }
        return false;
    }

    private static String formatName(ImageReader reader) {
        ImageReaderSpi spi = reader.getOriginatingProvider();
        return spi == null ? reader.getClass().getSimpleName() : spi.getFormatNames()[0].toUpperCase(Locale.ROOT);
    }
}
