package dev.seedj.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Conversion to RGB follows Pillow 9.4's {@code convert("RGB")} of the same file (rules checked against
 * Pillow 9.4.0 on PNG, GIF, JPEG and TIFF files of every mode listed here).
 */
class RgbConversionTest {

    private static byte[] rgb(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** Encodes with ImageIO and decodes again, so the decoder's own image types are exercised. */
    private static BufferedImage throughPng(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return ImagePreprocessor.decode(out.toByteArray());
    }

    @Test
    void greyIsReplicatedWithoutColourManagement() throws IOException {
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 100, 255});
        // Java's getRGB treats the grey as linear light: 100 becomes 168; Pillow keeps 100
        assertNotEquals(100, grey.getRGB(1, 0) & 0xFF);
        byte[] want = rgb(0, 0, 0, 100, 100, 100, 255, 255, 255);
        assertArrayEquals(want, RgbConversion.toRgb(grey));
        assertArrayEquals(want, RgbConversion.toRgb(throughPng(grey)));
    }

    @Test
    void alphaIsDroppedNotComposited() throws IOException {
        BufferedImage rgba = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0x000A141E); // fully transparent (10, 20, 30)
        rgba.setRGB(1, 0, 0x80C86432); // half transparent (200, 100, 50)
        byte[] want = rgb(10, 20, 30, 200, 100, 50);
        assertArrayEquals(want, RgbConversion.toRgb(rgba));
        assertArrayEquals(want, RgbConversion.toRgb(throughPng(rgba)));
    }

    @Test
    void greyWithAlphaKeepsTheGrey() throws IOException {
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixels(0, 0, 2, 1, new int[] {100, 0, 37, 255});
        BufferedImage la = new BufferedImage(cm, raster, false, null);
        byte[] want = rgb(100, 100, 100, 37, 37, 37);
        assertArrayEquals(want, RgbConversion.toRgb(la));
        assertArrayEquals(want, RgbConversion.toRgb(throughPng(la)));
    }

    @Test
    void paletteEntriesAreLookedUpIgnoringTransparency() throws IOException {
        byte[] r = rgb(255, 0, 9);
        byte[] g = rgb(0, 128, 99);
        byte[] b = rgb(0, 64, 250);
        IndexColorModel palette = new IndexColorModel(2, 3, r, g, b, 2); // index 2 transparent
        BufferedImage indexed = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_BINARY, palette);
        indexed.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {2, 0, 1});
        byte[] want = rgb(9, 99, 250, 255, 0, 0, 0, 128, 64);
        assertArrayEquals(want, RgbConversion.toRgb(indexed));
        assertArrayEquals(want, RgbConversion.toRgb(throughPng(indexed)));
    }

    @Test
    void sixteenBitColourKeepsTheHighByte() throws IOException {
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(1, 1);
        raster.setPixel(0, 0, new int[] {0x12FF, 0x0080, 0xFFFF});
        BufferedImage deep = new BufferedImage(cm, raster, false, null);
        // Pillow unpacks RGB;16B by taking the high byte (Java's getRGB would round 0x12FF up to 0x13)
        byte[] want = rgb(0x12, 0x00, 0xFF);
        assertArrayEquals(want, RgbConversion.toRgb(deep));
        assertArrayEquals(want, RgbConversion.toRgb(throughPng(deep)));
    }

    @Test
    void sixteenBitGreyIsClippedAsPillowsModeI() throws IOException {
        BufferedImage grey16 = new BufferedImage(5, 1, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSamples(0, 0, 5, 1, 0, new int[] {0, 200, 255, 256, 65535});
        byte[] want = rgb(0, 0, 0, 200, 200, 200, 255, 255, 255, 255, 255, 255, 255, 255, 255);
        assertArrayEquals(want, RgbConversion.toRgb(grey16));
        assertArrayEquals(want, RgbConversion.toRgb(throughPng(grey16)));
    }

    @Test
    void cmykUsesPillowsFormula() {
        ColorModel cm = new ComponentColorModel(new NaiveCmyk(), false, false, Transparency.OPAQUE,
                DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(3, 1);
        raster.setPixels(0, 0, 3, 1, new int[] {0, 0, 0, 0, 255, 0, 0, 0, 100, 50, 0, 55});
        BufferedImage cmyk = new BufferedImage(cm, raster, false, null);
        // nk = 255 - k; channel = nk - round(c * nk / 255)
        assertArrayEquals(rgb(255, 255, 255, 0, 255, 255, 122, 161, 200), RgbConversion.toRgb(cmyk));
    }

    @Test
    void cmykJpegDecodesAndConvertsAsPillow() throws IOException {
        // cmyk.jpg: Pillow 9.4 Image.fromarray(cmyk 4x2, "CMYK").save(quality=100, subsampling=0);
        // want = np.asarray(Image.open("cmyk.jpg").convert("RGB"))
        BufferedImage cmyk;
        try (InputStream in = RgbConversionTest.class.getResourceAsStream("cmyk.jpg")) {
            cmyk = ImagePreprocessor.decode(in);
        }
        assertEquals(ColorSpace.TYPE_CMYK, cmyk.getColorModel().getColorSpace().getType());
        assertArrayEquals(rgb(255, 255, 255, 0, 255, 255, 255, 0, 255, 255, 255, 0,
                0, 0, 0, 122, 161, 200, 119, 103, 87, 12, 12, 12), RgbConversion.toRgb(cmyk));
    }

    @Test
    void greyImagePreprocessesToTheSameSampleInEveryChannel() {
        BufferedImage grey = new BufferedImage(6, 6, BufferedImage.TYPE_BYTE_GRAY);
        int[] ramp = new int[36];
        for (int i = 0; i < 36; i++) {
            ramp[i] = i * 7;
        }
        grey.getRaster().setSamples(0, 0, 6, 6, 0, ramp);
        ImagePreprocessor pre = new ImagePreprocessor(4, ResizeMode.BICUBIC);
        byte[] hwc = pre.resizeRgb(grey);
        float[] chw = pre.toCHW(grey);
        float[] mean = pre.mean();
        float[] std = pre.std();
        for (int p = 0; p < 16; p++) {
            assertEquals(hwc[p * 3], hwc[p * 3 + 1]);
            assertEquals(hwc[p * 3], hwc[p * 3 + 2]);
            for (int c = 0; c < 3; c++) {
                assertEquals(((hwc[p * 3] & 0xFF) / 255f - mean[c]) / std[c], chw[c * 16 + p], 0f);
            }
        }
    }

    /** A CMYK colour space with textbook conversions, standing in for one a TIFF or PSD reader supplies. */
    private static final class NaiveCmyk extends ColorSpace {
        private static final long serialVersionUID = 1L;

        NaiveCmyk() {
            super(ColorSpace.TYPE_CMYK, 4);
        }

        @Override
        public float[] toRGB(float[] v) {
            return new float[] {(1 - v[0]) * (1 - v[3]), (1 - v[1]) * (1 - v[3]), (1 - v[2]) * (1 - v[3])};
        }

        @Override
        public float[] fromRGB(float[] rgb) {
            return new float[] {1 - rgb[0], 1 - rgb[1], 1 - rgb[2], 0};
        }

        @Override
        public float[] toCIEXYZ(float[] v) {
            return ColorSpace.getInstance(CS_sRGB).toCIEXYZ(toRGB(v));
        }

        @Override
        public float[] fromCIEXYZ(float[] xyz) {
            return fromRGB(ColorSpace.getInstance(CS_sRGB).fromCIEXYZ(xyz));
        }
    }
}
