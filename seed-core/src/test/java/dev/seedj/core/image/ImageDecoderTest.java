package dev.seedj.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.testing.Oracle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Decoding: good input decodes; broken input ends in an {@link ImageDecodeException} that says what is wrong. */
class ImageDecoderTest {

    private static final Path ORACLE = Oracle.root();
    private static final Path CAT_JPG = ORACLE.resolve("images/cat_v1.jpg");
    private static final Path CAT_PNG = ORACLE.resolve("images/cat_main.decoded.png");

    @TempDir
    Path dir;

    private static void assertDecodeFails(Executable decode, String... fragments) {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, decode);
        assertInstanceOf(IllegalArgumentException.class, e);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    @Test
    void decodesFromPathBytesAndStreamAlike() throws IOException {
        byte[] bytes = Files.readAllBytes(CAT_PNG);
        BufferedImage fromPath = ImagePreprocessor.decode(CAT_PNG);
        BufferedImage fromBytes = ImagePreprocessor.decode(bytes);
        ClosingProbe stream = new ClosingProbe(bytes);
        BufferedImage fromStream = ImagePreprocessor.decode(stream);
        assertEquals(690, fromPath.getWidth());
        assertEquals(685, fromPath.getHeight());
        byte[] rgb = RgbConversion.toRgb(fromPath);
        assertArrayEquals(rgb, RgbConversion.toRgb(fromBytes));
        assertArrayEquals(rgb, RgbConversion.toRgb(fromStream));
        assertFalse(stream.closed, "the caller's stream must stay open");
    }

    @Test
    void garbageBytesAreNotAnImage() {
        byte[] garbage = "this is not an image, just some text".getBytes(StandardCharsets.US_ASCII);
        assertDecodeFails(() -> ImagePreprocessor.decode(garbage),
                "image bytes (" + garbage.length + " bytes)", "not an image in a format ImageIO reads", "PNG");
    }

    @Test
    void emptyInputIsRefused() {
        assertDecodeFails(() -> ImagePreprocessor.decode(new byte[0]), "empty input");
    }

    @Test
    void jpegMissingOnlyItsEndMarkerIsTruncatedAsForPillow() throws IOException {
        byte[] jpeg = Files.readAllBytes(CAT_JPG);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(jpeg, jpeg.length - 2));
        assertDecodeFails(() -> ImagePreprocessor.decode(cut), cut.toString(), "truncated");
    }

    @Test
    void jpegCutInHalfIsTruncated() throws IOException {
        byte[] jpeg = Files.readAllBytes(CAT_JPG);
        byte[] half = Arrays.copyOf(jpeg, jpeg.length / 2);
        assertDecodeFails(() -> ImagePreprocessor.decode(half), "truncated", "JPEG");
    }

    @Test
    void jpegWithGarbageAfterItsHeaderIsRefused() throws IOException {
        byte[] jpeg = Files.readAllBytes(CAT_JPG);
        byte[] broken = jpeg.clone();
        for (int i = 400; i < broken.length; i++) {
            broken[i] = (byte) (i * 31);
        }
        assertDecodeFails(() -> ImagePreprocessor.decode(broken), "image bytes");
    }

    @Test
    void truncatedPngIsRefused() throws IOException {
        byte[] png = Files.readAllBytes(CAT_PNG);
        InputStream cut = new ByteArrayInputStream(Arrays.copyOf(png, 30_000));
        assertDecodeFails(() -> ImagePreprocessor.decode(cut), "image stream", "image file is truncated", "PNG");
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("no-such-photo.jpg");
        assertDecodeFails(() -> ImagePreprocessor.decode(missing), missing.toString(), "file not found");
    }

    @Test
    void directoryIsNotAnImage() {
        assertDecodeFails(() -> ImagePreprocessor.decode(dir), dir.toString(), "is a directory");
    }

    @Test
    void decompressionBombIsRefusedBeforeAllocation() throws IOException {
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, pngHeaderOnly(20_000, 20_000));
        assertDecodeFails(() -> ImagePreprocessor.decode(bomb), bomb.toString(), "20000x20000 = 400000000 pixels",
                "decompression-bomb");
    }

    /** A PNG signature and a valid IHDR chunk for an 8-bit RGB image, with no pixel data. */
    private static byte[] pngHeaderOnly(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(4 + 13);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        out.write(ByteBuffer.allocate(4).putInt(13).array());
        out.write(ihdr.array());
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }

    /** Records whether the decoder closed a caller's stream. */
    private static final class ClosingProbe extends ByteArrayInputStream {
        boolean closed;

        ClosingProbe(byte[] bytes) {
            super(bytes);
        }

        @Override
        public void close() throws IOException {
            closed = true;
            super.close();
        }
    }
}
