package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.LibtorchOps;

/**
 * A {@link Linear} whose weight is kept as int8 with one float32 scale per output channel (weight-only
 * quantisation for decoding, where every step streams every weight once and memory bandwidth is the limit):
 * {@code W ~ scales[:, None] * q}, {@code q = round(W / scales[:, None])} in [-127, 127],
 * {@code scales = max|W_row| / 127}. Same state-dict names as {@link Linear} ({@code weight}, {@code bias}): a model
 * creates it where it would create a Linear, loads the float weights as usual, then calls {@link #quantize}.
 *
 * <p>Up to {@link #GEMV_ROWS} rows (decoding) are multiplied by libtorch's weight-only int8 kernel
 * ({@code _weight_int8pack_mm}), which reads the weights as int8; more rows (a prompt) are multiplied by the
 * dequantised matrix, made per call. Inference only: the int8 weights are not trained.
 *
 * <p>{@link #quantize} must not race with forward passes; afterwards forward passes only read and may run
 * concurrently.
 */
public class Int8Linear extends Linear {
    /** Largest number of rows multiplied by the int8 kernel; larger inputs use the dequantised matrix. */
    public static final long GEMV_ROWS = 16;
    private static final float INT8_MAX = 127f;
    private volatile NDArray int8Weight; // int8 [out, in]
    private volatile NDArray scales; // float32 [out]

    /**
     * @param inFeatures input width
     * @param outFeatures output width
     * @param withBias whether the layer has a bias
     */
    public Int8Linear(long inFeatures, long outFeatures, boolean withBias) {
        super(inFeatures, outFeatures, withBias);
    }

    /**
     * Quantises the loaded float32 weight and frees it (the {@code weight} parameter has no array afterwards).
     *
     * @param manager owns the int8 weight and the scales (the model's manager)
     */
    public void quantize(NDManager manager) {
        NDArray weight = weight().getArray();
        quantize(weight, manager);
        weight().close();
    }

    /**
     * Quantises another float32 matrix of this layer's shape into this layer (e.g. the token embeddings a tied
     * output layer multiplies by), leaving that matrix as it is.
     *
     * @param weight float32 [out, in]
     * @param manager owns the int8 weight and the scales
     */
    public void quantize(NDArray weight, NDManager manager) {
        if (weight.getDataType() != DataType.FLOAT32
                || !weight.getShape().equals(new Shape(outFeatures(), inFeatures()))) {
            throw new IllegalArgumentException("int8 quantisation needs a float32 [" + outFeatures() + ", "
                    + inFeatures() + "] weight, got " + weight.getDataType() + weight.getShape());
        }
        try (NDManager scope = manager.newSubManager()) {
            weight.tempAttach(scope);
            NDArray absMax = weight.abs().max(new int[] {1}); // [out]
            NDArray s = absMax.maximum(Float.MIN_NORMAL).div(INT8_MAX); // an all-zero row gets a harmless scale
            NDArray q = weight.div(s.expandDims(1)).round().clip(-INT8_MAX, INT8_MAX).toType(DataType.INT8, false);
            s.attach(manager);
            q.attach(manager);
            this.scales = s;
            this.int8Weight = q;
        }
    }

    /** @return whether {@link #quantize} has run */
    public boolean isQuantized() {
        return int8Weight != null;
    }

    /**
     * @param x [..., in], float32
     * @return [..., out], float32
     */
    @Override
    public NDArray forward(NDArray x) {
        NDArray q = int8Weight;
        if (q == null) {
            return super.forward(x);
        }
        Shape shape = x.getShape();
        long rows = shape.size() / inFeatures();
        NDArray flat = x.reshape(rows, inFeatures()); // [M, in]
        NDArray y;
        if (rows <= GEMV_ROWS) {
            y = LibtorchOps.int8MatMul(flat, q, scales); // [M, out]
        } else {
            // operations on parameters put their results in the parameters' manager: move each to this call's
            NDArray widened = ArrayScopes.adopt(q.toType(DataType.FLOAT32, false), x); // [out, in]
            NDArray columnScales = ArrayScopes.adopt(scales.expandDims(1), x); // [out, 1]
            NDArray dequantized = widened.mul(columnScales);
            y = ai.djl.nn.core.Linear.linear(flat, dequantized).singletonOrThrow();
            for (NDArray temporary : new NDArray[] {widened, columnScales, dequantized}) {
                temporary.close();
            }
        }
        if (bias() != null) {
            y = y.add(bias().getArray());
        }
        long[] out = shape.getShape().clone();
        out[out.length - 1] = outFeatures();
        return y.reshape(new Shape(out));
    }
}
