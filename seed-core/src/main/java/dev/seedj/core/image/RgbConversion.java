package dev.seedj.core.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pillow 9.4's {@code convert("RGB")} for the images ImageIO produces: the stored samples are used as
 * they are, with no colour management (Pillow ignores ICC profiles, and Java's sRGB conversion of a
 * grey image is not the identity).
 *
 * <ul>
 *   <li>RGB and RGBA: the colour samples; alpha is dropped, not composited.
 *   <li>Grey (L) and grey + alpha (LA): the grey sample in all three channels.
 *   <li>Palette (P, and 1/2/4-bit grey, which ImageIO reads as a palette): the palette colour.
 *   <li>16-bit samples: the high byte, as Pillow's PNG reader keeps for RGB, RGBA and LA. A 16-bit grey
 *       image without alpha is mode {@code I} in Pillow, whose conversion to RGB clips values to 255.
 *   <li>CMYK: Pillow's {@code cmyk2rgb}.
 *   <li>Anything else (premultiplied alpha, 5/6-bit or floating samples, other colour spaces): Java's
 *       conversion to sRGB.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
final class RgbConversion {

    private static final Logger LOG = LoggerFactory.getLogger(RgbConversion.class);

    private RgbConversion() {
    }

    /**
     * @param image any image
     * @return its RGB samples, row-major {@code [height, width, 3]}
     */
    static byte[] toRgb(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        if ((long) width * height * 3 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image " + width + "x" + height + " is too large");
        }
        byte[] out = new byte[width * height * 3];
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int colorType = cm.getColorSpace().getType();
        int bits = uniformComponentSize(cm);
        boolean rawSamples = !(cm instanceof IndexColorModel)
                && !cm.isAlphaPremultiplied()
                && raster.getNumBands() == cm.getNumComponents()
                && (bits == 8 || bits == 16);
        if (rawSamples && colorType == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3) {
            copyRgb(raster, bits, out);
        } else if (rawSamples && colorType == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            copyGray(raster, bits, cm.hasAlpha(), out);
        } else if (rawSamples && bits == 8 && colorType == ColorSpace.TYPE_CMYK
                && cm.getNumColorComponents() == 4) {
            convertCmyk(raster, out);
        } else {
            copySrgb(image, out);
        }
        return out;
    }

    /** @return the bit size shared by all components, or -1 if they differ */
    private static int uniformComponentSize(ColorModel cm) {
        int[] sizes = cm.getComponentSize();
        for (int size : sizes) {
            if (size != sizes[0]) {
                return -1;
            }
        }
        return sizes[0];
    }

    private static void copyRgb(Raster raster, int bits, byte[] out) {
        int width = raster.getWidth();
        int bands = raster.getNumBands();
        int shift = bits - 8;
        int[] row = new int[width * bands];
        for (int y = 0, o = 0; y < raster.getHeight(); y++) {
            raster.getPixels(0, y, width, 1, row);
            for (int x = 0, i = 0; x < width; x++, i += bands) {
                out[o++] = (byte) (row[i] >> shift);
                out[o++] = (byte) (row[i + 1] >> shift);
                out[o++] = (byte) (row[i + 2] >> shift);
            }
        }
    }

    private static void copyGray(Raster raster, int bits, boolean alpha, byte[] out) {
        // Pillow reads 16-bit grey+alpha as RGBA (high bytes) but 16-bit grey as mode I, clipped by convert
        boolean clip = bits == 16 && !alpha;
        if (clip) {
            LOG.warn("16-bit greyscale image: converting to RGB as Pillow does, clipping values above 255");
        }
        int shift = clip ? 0 : bits - 8;
        int width = raster.getWidth();
        int[] gray = new int[width];
        for (int y = 0, o = 0; y < raster.getHeight(); y++) {
            raster.getSamples(0, y, width, 1, 0, gray);
            for (int x = 0; x < width; x++) {
                byte v = (byte) Math.min(gray[x] >> shift, 255);
                out[o++] = v;
                out[o++] = v;
                out[o++] = v;
            }
        }
    }

    /** Pillow's {@code cmyk2rgb}: {@code clip8(nk - nk * c / 255)} with {@code nk = 255 - k}, rounded. */
    private static void convertCmyk(Raster raster, byte[] out) {
        int width = raster.getWidth();
        int bands = raster.getNumBands();
        int[] row = new int[width * bands];
        for (int y = 0, o = 0; y < raster.getHeight(); y++) {
            raster.getPixels(0, y, width, 1, row);
            for (int x = 0, i = 0; x < width; x++, i += bands) {
                int nk = 255 - row[i + 3];
                for (int c = 0; c < 3; c++) {
                    out[o++] = (byte) Math.max(0, Math.min(255, nk - mulDiv255(row[i + c], nk)));
                }
            }
        }
    }

    /** Pillow's {@code MULDIV255}: a * b / 255, rounded. */
    private static int mulDiv255(int a, int b) {
        int tmp = a * b + 128;
        return ((tmp >> 8) + tmp) >> 8;
    }

    private static void copySrgb(BufferedImage image, byte[] out) {
        int width = image.getWidth();
        int[] argb = new int[width];
        for (int y = 0, o = 0; y < image.getHeight(); y++) {
            image.getRGB(0, y, width, 1, argb, 0, width);
            for (int x = 0; x < width; x++) {
                out[o++] = (byte) (argb[x] >> 16);
                out[o++] = (byte) (argb[x] >> 8);
                out[o++] = (byte) argb[x];
            }
        }
    }
}
