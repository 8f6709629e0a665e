package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.seedj.core.weights.LibtorchOps;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A linear layer's matrix as {@link MatVec}'s kernel reads it, for products of single rows held in Java arrays: a
 * decoding step computed in Java ({@code dev.seedj.llm.OptDecodeStep}) multiplies its hidden row by each layer's
 * matrix without wrapping the row in an {@link NDArray} or calling libtorch between the products.
 *
 * <p>The matrix and a float32 bias are views of the tensors' memory (no copy), so they see in-place updates (an
 * optimizer step); int8 scales and a bias of another type are copies. A view is valid while the arrays it was made
 * from are open: {@link #isViewOf} tells whether it still stands for a layer's current arrays, and
 * {@link Linear#kernelMatrix()} keeps one per layer on that condition.
 *
 * <p>Thread-safe: {@link #multiply} only reads; concurrent products are {@link MatVec}'s.
 */
public final class KernelMatrix {
    private final NDArray weightArray;
    private final NDArray scalesArray;
    private final NDArray biasArray;
    private final MatVec.Storage storage;
    private final ByteBuffer weight; // native memory: the tensor's, or a copy of it
    private final boolean weightIsView;
    private final float[] scales;
    private final FloatBuffer biasView; // a float32 bias, or null
    private final float[] biasCopy; // a bias of another type, or null
    private final int in;
    private final int out;

    private KernelMatrix(NDArray weightArray, NDArray scalesArray, NDArray biasArray, MatVec.Storage storage) {
        this.weightArray = weightArray;
        this.scalesArray = scalesArray;
        this.biasArray = biasArray;
        this.storage = storage;
        this.out = Math.toIntExact(weightArray.getShape().get(0));
        this.in = Math.toIntExact(weightArray.getShape().get(1));
        ByteBuffer weightMemory = memory(weightArray, (long) out * in * storage.bytes, "weight");
        this.weightIsView = weightMemory.isDirect();
        this.weight = inNativeMemory(weightMemory);
        this.scales = scalesArray == null ? null : checkRows(scalesArray, out, "scales").toFloatArray();
        ByteBuffer biasMemory = biasArray != null && checkRows(biasArray, out, "bias").getDataType() == DataType.FLOAT32
                ? memory(biasArray, out * 4L, "bias")
                : null;
        this.biasView = biasMemory != null && biasMemory.isDirect() ? biasMemory.asFloatBuffer() : null;
        this.biasCopy = biasArray != null && biasView == null ? LibtorchOps.float32Values(biasArray) : null;
    }

    /**
     * @param weight [out, in]: float32, bfloat16, or int8 with {@code scales}; {@link MatVec#reads} must hold
     * @param scales float32 [out] for an int8 weight, else null
     * @param bias float32 or bfloat16 [out], or null
     * @return the view
     * @throws IllegalArgumentException if the kernel cannot read the weight, an int8 weight comes without scales (or
     *     another with them), or the scales or bias do not have one value per row
     */
    public static KernelMatrix of(NDArray weight, NDArray scales, NDArray bias) {
        if (!MatVec.reads(weight)) {
            throw new IllegalArgumentException("the Java kernel cannot read a " + weight.getDataType()
                    + weight.getShape() + " weight on " + weight.getDevice());
        }
        MatVec.Storage storage = MatVec.storageOf(weight);
        if ((storage == MatVec.Storage.INT8) != (scales != null)) {
            throw new IllegalArgumentException("an int8 weight needs its scales, and only an int8 weight has them");
        }
        return new KernelMatrix(weight, scales, bias, storage);
    }

    /**
     * @param layers linear layers
     * @return each layer's view ({@link Linear#kernelMatrix()}), or null if the kernel cannot read one of them
     */
    public static KernelMatrix[] ofLayers(Linear... layers) {
        KernelMatrix[] views = new KernelMatrix[layers.length];
        for (int i = 0; i < layers.length; i++) {
            views[i] = layers[i].kernelMatrix();
            if (views[i] == null) {
                return null;
            }
        }
        return views;
    }

    /**
     * @param weight a layer's current weight
     * @param scales its current scales, or null
     * @param bias its current bias, or null
     * @return whether this view was made from exactly these arrays, they are all still open, and the matrix and bias
     *     are read through views (a copy would miss in-place updates)
     */
    public boolean isViewOf(NDArray weight, NDArray scales, NDArray bias) {
        return weight == weightArray && scales == scalesArray && bias == biasArray && weightIsView
                && biasCopy == null && !weight.isReleased() && (scales == null || !scales.isReleased())
                && (bias == null || !bias.isReleased());
    }

    /** @return the input width (the matrix's columns) */
    public int inFeatures() {
        return in;
    }

    /** @return the output width (the matrix's rows) */
    public int outFeatures() {
        return out;
    }

    /**
     * {@code y = W x (* scales) + b}; with a bfloat16 matrix {@code x} is rounded to bfloat16 first, as {@link Linear}
     * does for libtorch's product. Inside {@link DecodeThreads#streaming} the rows are split over every core.
     *
     * @param x float32 [in]; not modified
     * @return float32 [out]
     * @throws IllegalArgumentException if {@code x} does not have {@link #inFeatures()} elements
     */
    public float[] multiply(float[] x) {
        return multiply(x, null);
    }

    /**
     * {@code y = W x (* scales) + b + residual}: a product whose result joins a residual stream.
     *
     * @param x float32 [in]; not modified
     * @param residual float32 [out] added to the result (not modified), or null
     * @return float32 [out], a new array
     * @throws IllegalArgumentException if {@code x} does not have {@link #inFeatures()} elements or {@code residual}
     *     not {@link #outFeatures()}
     */
    public float[] multiply(float[] x, float[] residual) {
        if (x.length != in) {
            throw new IllegalArgumentException("a row of " + x.length + " values for a matrix of " + in + " columns");
        }
        if (residual != null && residual.length != out) {
            throw new IllegalArgumentException("a residual of " + residual.length + " values for " + out + " rows");
        }
        float[] y = new float[out];
        MatVec.product(storage, weight, scales, x, y);
        for (int r = 0; r < out; r++) {
            float v = y[r];
            if (biasView != null) {
                v += biasView.get(r);
            } else if (biasCopy != null) {
                v += biasCopy[r];
            }
            y[r] = residual == null ? v : residual[r] + v;
        }
        return y;
    }

    /**
     * @return the array's memory, little-endian: a view for a contiguous tensor on the CPU (libtorch may hand out a
     *     copy on the Java heap otherwise, which {@link ByteBuffer#isDirect()} tells)
     */
    private static ByteBuffer memory(NDArray array, long bytes, String what) {
        ByteBuffer memory = array.toByteBuffer(true);
        if (memory.capacity() != bytes) {
            throw new IllegalStateException(what + " " + array.getShape() + " gave " + memory.capacity() + " bytes");
        }
        return memory.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** @return {@code memory} in native memory, where the kernels read: itself, or a copy of a heap buffer */
    private static ByteBuffer inNativeMemory(ByteBuffer memory) {
        return memory.isDirect() ? memory
                : ByteBuffer.allocateDirect(memory.capacity()).order(ByteOrder.LITTLE_ENDIAN).put(memory).flip();
    }

    /** @return {@code array}, checked to hold one value per row */
    private static NDArray checkRows(NDArray array, int rows, String what) {
        if (array.getShape().size() != rows) {
            throw new IllegalArgumentException(what + " " + array.getShape() + " for a matrix of " + rows + " rows");
        }
        return array;
    }
}
