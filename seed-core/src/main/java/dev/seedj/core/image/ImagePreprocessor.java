package dev.seedj.core.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The SEED reference's image transform, bit-exact with Pillow 9.4 + torchvision:
 * {@code Image.open(f).convert("RGB")}, {@code Resize((S, S), mode)} (Pillow's antialiased resample),
 * {@code ToTensor()} (u8 / 255) and {@code Normalize(mean, std)}, all in float32.
 *
 * <pre>{@code
 * ImagePreprocessor pre = new ImagePreprocessor(224, ResizeMode.BICUBIC);
 * NDArray pixels = pre.preprocess(ImagePreprocessor.decode(Path.of("cat.jpg")), manager); // [3, 224, 224]
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ImagePreprocessor {

    /** CLIP's per-channel mean, the reference's default. */
    private static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** CLIP's per-channel standard deviation, the reference's default. */
    private static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    private final int size;
    private final ResizeMode mode;
    private final float[] mean;
    private final float[] std;
    /** {@code [3, 256]}: the normalized float32 value of every 8-bit sample, per channel. */
    private final float[][] normalized;

    /**
     * A transform with CLIP's mean and std.
     *
     * @param size output height and width S
     * @param mode resampling filter (the reference uses BICUBIC for tokenizer v1 and v2's
     *     {@code ImageTokenizer}, BILINEAR in v2's {@code clip_transform.yaml})
     */
    public ImagePreprocessor(int size, ResizeMode mode) {
        this(size, mode, CLIP_MEAN, CLIP_STD);
    }

    /**
     * @param size output height and width S
     * @param mode resampling filter
     * @param mean per-channel mean (R, G, B), rounded to float32 as torchvision does
     * @param std per-channel standard deviation (R, G, B), rounded to float32
     * @throws IllegalArgumentException if {@code size} is not positive, or mean/std are not 3 finite
     *     values with std non-zero
     */
    public ImagePreprocessor(int size, ResizeMode mode, double[] mean, double[] std) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        this.size = size;
        this.mode = Objects.requireNonNull(mode, "mode");
        this.mean = toChannelFloats("mean", mean);
        this.std = toChannelFloats("std", std);
        normalized = new float[3][256];
        for (int c = 0; c < 3; c++) {
            if (this.std[c] == 0f) {
                throw new IllegalArgumentException("std must be non-zero, got 0 for channel " + c);
            }
            for (int u = 0; u < 256; u++) {
                normalized[c][u] = (u / 255f - this.mean[c]) / this.std[c];
            }
        }
    }

    private static float[] toChannelFloats(String name, double[] values) {
        Objects.requireNonNull(values, name);
        if (values.length != 3) {
            throw new IllegalArgumentException(name + " needs 3 values (R, G, B), got " + values.length);
        }
        float[] out = new float[3];
        for (int c = 0; c < 3; c++) {
            out[c] = (float) values[c];
            if (!Float.isFinite(out[c])) {
                throw new IllegalArgumentException(name + " must be finite, got " + values[c] + " for channel " + c);
            }
        }
        return out;
    }

    /** @return the output height and width S */
    public int size() {
        return size;
    }

    /** @return the resampling filter */
    public ResizeMode mode() {
        return mode;
    }

    /** @return a copy of the float32 per-channel mean */
    public float[] mean() {
        return mean.clone();
    }

    /** @return a copy of the float32 per-channel standard deviation */
    public float[] std() {
        return std.clone();
    }

    /**
     * Decodes an image file (any format ImageIO reads; JPEG and PNG built in).
     *
     * @param file the image file
     * @return the first frame, as stored (no EXIF rotation, as Pillow)
     * @throws ImageDecodeException naming the file if it is missing, unreadable, not an image, truncated,
     *     corrupt or larger than Pillow's decompression-bomb limit
     */
    public static BufferedImage decode(Path file) {
        return ImageDecoder.decode(file);
    }

    /**
     * Decodes an image from a stream, read up to the image's end; the stream is not closed.
     *
     * @param in encoded image bytes
     * @return the first frame
     * @throws ImageDecodeException if the data is not a readable, complete image
     */
    public static BufferedImage decode(InputStream in) {
        return ImageDecoder.decode(in, "image stream");
    }

    /**
     * Decodes an image held in memory.
     *
     * @param bytes encoded image bytes
     * @return the first frame
     * @throws ImageDecodeException if the data is not a readable, complete image
     */
    public static BufferedImage decode(byte[] bytes) {
        return ImageDecoder.decode(bytes);
    }

    /**
     * Converts to RGB as Pillow's {@code convert("RGB")} does (alpha dropped, grey replicated, palette
     * looked up, no colour management) and resizes to S x S with Pillow's filter.
     *
     * @param image any image
     * @return the resized pixels, row-major {@code [S, S, 3]} (the reference's {@code Resize} output)
     */
    public byte[] resizeRgb(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        byte[] rgb = RgbConversion.toRgb(image); // [H, W, 3]
        return PillowResize.resize(rgb, image.getWidth(), image.getHeight(), 3, size, size, mode); // [S, S, 3]
    }

    /**
     * The full transform into a Java array.
     *
     * @param image any image
     * @return normalized values, row-major {@code [3, S, S]}
     */
    public float[] toCHW(BufferedImage image) {
        float[] out = new float[3 * size * size];
        writeCHW(image, out, 0);
        return out;
    }

    /**
     * The full transform of one image.
     *
     * @param image any image
     * @param manager owns the returned array
     * @return float32 {@code [3, S, S]}
     */
    public NDArray preprocess(BufferedImage image, NDManager manager) {
        return manager.create(toCHW(image), new Shape(3, size, size));
    }

    /**
     * The full transform of a batch, stacked in list order.
     *
     * @param images one or more images, of any sizes and types
     * @param manager owns the returned array
     * @return float32 {@code [B, 3, S, S]}
     * @throws IllegalArgumentException if the list is empty, holds null, or the batch does not fit in
     *     one Java array
     */
    public NDArray preprocess(List<BufferedImage> images, NDManager manager) {
        Objects.requireNonNull(images, "images");
        if (images.isEmpty()) {
            throw new IllegalArgumentException("images is empty: a batch needs at least one image");
        }
        long perImage = 3L * size * size;
        if (perImage * images.size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a batch of " + images.size() + " images of 3x" + size + "x"
                    + size + " does not fit in one array");
        }
        float[] batch = new float[(int) perImage * images.size()]; // [B, 3, S, S]
        for (int b = 0; b < images.size(); b++) {
            BufferedImage image = images.get(b);
            if (image == null) {
                throw new IllegalArgumentException("images[" + b + "] is null");
            }
            writeCHW(image, batch, (int) perImage * b);
        }
        return manager.create(batch, new Shape(images.size(), 3, size, size));
    }

    /** ToTensor + Normalize of the resized pixels: HWC u8 -> CHW float32, written at {@code offset}. */
    private void writeCHW(BufferedImage image, float[] out, int offset) {
        byte[] hwc = resizeRgb(image); // [S, S, 3]
        int plane = size * size;
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                out[offset + c * plane + p] = normalized[c][hwc[p * 3 + c] & 0xFF];
            }
        }
    }
}
