package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.LibtorchOps;

/**
 * A {@link Linear} whose weight is kept as int8 with one float32 scale per output channel (quantisation for
 * decoding, where every step streams every weight once and memory bandwidth is the limit):
 * {@code W ~ scales[:, None] * q}, {@code q = round(W / scales[:, None])} in {@code [-levels, levels]},
 * {@code scales = max|W_row| / levels}. Same state-dict names as {@link Linear} ({@code weight}, {@code bias}): a
 * model creates it where it would create a Linear, loads the float weights as usual, then calls {@link #quantize}.
 * Two kinds of product ({@link Activations}):
 * <ul>
 *   <li>{@link Activations#FLOAT32}, weight-only: 127 levels; up to {@link #GEMV_ROWS} rows (decoding) are multiplied
 *       one by one by {@link MatVec} where it is available, else together by libtorch's weight-only kernel
 *       ({@code _weight_int8pack_mm}, vectorised with AVX-512 and scalar on AVX2; even with AVX-512 several times
 *       slower than {@code MatVec} per row on the benchmark machine), more rows (a prompt) by the dequantised matrix,
 *       made per call a block of rows at a time;</li>
 *   <li>{@link Activations#INT8}, dynamic quantisation as PyTorch's {@code quantize_dynamic} does it: every product
 *       goes through fbgemm's int8 kernel (x86-64 with AVX2, {@link LibtorchOps#fbgemmAvailable()}), which quantises
 *       the input to uint8 per call (one scale and zero point from its min and max), multiplies it by the packed int8
 *       weight in int32, and this layer scales the result back per output channel. The weight levels stop at
 *       {@value #DYNAMIC_LEVELS}: AVX2's {@code vpmaddubsw} adds each pair of uint8 x int8 products in int16 and
 *       saturates past 32767 (2 x 255 x 63 = 32130 fits). Several times faster than float32 on AVX2, less exact
 *       than weight-only. libtorch prints a one-time deprecation warning for this operator on first use.</li>
 * </ul>
 * Inference only: the int8 weights are not trained.
 *
 * <p>{@link #quantize} must not race with forward passes; afterwards forward passes only read and may run
 * concurrently.
 */
public class Int8Linear extends Linear {
    /** Weight-only: the largest number of rows multiplied by the int8 kernel; more use the dequantised matrix. */
    public static final long GEMV_ROWS = 16;
    /** A prompt's product dequantises the weight in blocks of this many float32 bytes ({@link #forward}). */
    private static final long DEQUANTIZED_BLOCK_BYTES = 4L << 20;
    /**
     * {@link #quantize} takes a matrix this many float32 bytes of rows at a time, writing each block's int8 rows into
     * the result: its temporaries (absolute values, quotients, rounded and clipped copies) are of a block's size, not
     * the matrix's (a 7B LLaMA's 658 MB float32 output layer, quantised whole, took the load's peak to 1.48 x the
     * int8 weights). Above glibc's 32 MiB mmap threshold ({@link NativeAllocator}), so that each temporary is unmapped
     * when freed rather than kept in the heap.
     */
    private static final long QUANTIZED_BLOCK_BYTES = 64L << 20;
    /** The largest quantised magnitude of a weight-only layer. */
    public static final int WEIGHT_ONLY_LEVELS = 127;
    /** The largest quantised magnitude of a dynamic layer (see the class comment). */
    public static final int DYNAMIC_LEVELS = 63;

    /** What the layer's products read besides the int8 weight. */
    public enum Activations {
        /** float32 inputs (weight-only quantisation). */
        FLOAT32,
        /** inputs quantised to uint8 per call (dynamic quantisation, fbgemm). */
        INT8
    }

    private volatile Int8Weight int8; // null until quantised

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
     * @param activations the kind of product
     * @throws UnsupportedOperationException for {@link Activations#INT8} where fbgemm cannot run
     */
    public void quantize(NDManager manager, Activations activations) {
        NDArray weight = weight().getArray();
        quantize(weight, manager, activations);
        weight().close();
    }

    /**
     * Quantises another float32 matrix of this layer's shape into this layer (e.g. the token embeddings a tied
     * output layer multiplies by), leaving that matrix as it is.
     *
     * @param weight float32 [out, in]
     * @param manager owns the int8 weight and the scales
     * @param activations the kind of product
     * @throws UnsupportedOperationException for {@link Activations#INT8} where fbgemm cannot run
     */
    public void quantize(NDArray weight, NDManager manager, Activations activations) {
        if (weight.getDataType() != DataType.FLOAT32
                || !weight.getShape().equals(new Shape(outFeatures(), inFeatures()))) {
            throw new IllegalArgumentException("int8 quantisation needs a float32 [" + outFeatures() + ", "
                    + inFeatures() + "] weight, got " + weight.getDataType() + weight.getShape());
        }
        boolean dynamic = activations == Activations.INT8;
        if (dynamic && !LibtorchOps.fbgemmAvailable()) {
            throw new UnsupportedOperationException("int8 activations need fbgemm (x86-64 with AVX2 and FMA); use"
                    + " weight-only int8 (float32 activations) on this machine");
        }
        int levels = dynamic ? DYNAMIC_LEVELS : WEIGHT_ONLY_LEVELS;
        long out = outFeatures();
        long rowsPerBlock = Math.max(1, QUANTIZED_BLOCK_BYTES / (inFeatures() * (long) Float.BYTES));
        try (NDManager scope = manager.newSubManager()) {
            NDArray q = scope.zeros(new Shape(out, inFeatures()), DataType.INT8);
            NDArray s = scope.zeros(new Shape(out));
            for (long r = 0; r < out; r += rowsPerBlock) {
                try (NDManager block = scope.newSubManager()) {
                    NDIndex rows = new NDIndex("{}:{}", r, Math.min(out, r + rowsPerBlock));
                    NDArray w = weight.get(rows); // [rows, in], a view
                    w.attach(block); // what is computed from it is the block's
                    // per row: scale = max |w| / levels (an all-zero row gets a harmless scale), q = round(w / scale)
                    NDArray scales = w.abs().max(new int[] {1}).maximum(Float.MIN_NORMAL).div(levels);
                    s.set(rows, scales);
                    q.set(rows, w.div(scales.expandDims(1)).round().clip(-levels, levels).toType(DataType.INT8, false));
                }
            }
            this.int8 = dynamic ? Int8Weight.packed(q, s, manager) : Int8Weight.plain(q, s, manager);
        }
        // the blocks' smaller arrays (int8 rows, scales) were freed between kept ones: return those heap pages, or a
        // model quantised layer by layer keeps them resident (0.9 GB after a 7B LLaMA's load)
        NativeAllocator.trim();
    }

    /** @return whether {@link #quantize} has run */
    public boolean isQuantized() {
        return int8 != null;
    }

    /**
     * @return the weight-only int8 matrix and its scales as the Java kernel reads them once quantised (the float32
     *     matrix before); null for fbgemm's packed matrix (dynamic int8) or where the kernel cannot read it
     */
    @Override
    public KernelMatrix kernelMatrix() {
        Int8Weight w = int8;
        if (w == null) {
            return super.kernelMatrix();
        }
        return w.packed() == null && MatVec.reads(w.q())
                ? kernelMatrix(w.q(), w.scales(), bias() == null ? null : bias().getArray())
                : null;
    }

    /**
     * @param x [..., in], float32
     * @return [..., out], float32
     */
    @Override
    public NDArray forward(NDArray x) {
        Int8Weight w = int8;
        if (w == null) {
            return super.forward(x);
        }
        NDArray bias = bias() == null ? null : bias().getArray();
        if (w.packed() == null && MatVec.applies(x, w.q())) { // one row, weight-only: the Java kernel
            return MatVec.multiply(x, w.q(), w.scales(), bias);
        }
        Shape shape = x.getShape();
        long rows = shape.size() / inFeatures();
        NDArray flat = x.reshape(rows, inFeatures()); // [M, in]
        NDArray stepped = w.packed() == null && rows <= GEMV_ROWS ? byRows(flat, w, bias) : null;
        if (stepped != null) { // a batch of decoding steps
            return stepped.reshape(outputShape(shape));
        }
        NDArray y;
        if (w.packed() != null) {
            // [M, out] in units of q, then per output channel back to W's units
            NDArray units = LibtorchOps.fbgemmInt8Linear(flat, w.shapeOnly(), w.packed(), w.columnSums(), 1.0,
                    w.zeroBias());
            y = units.mul(w.scales());
            units.close();
        } else if (rows <= GEMV_ROWS) {
            y = LibtorchOps.int8MatMul(flat, w.q(), w.scales()); // [M, out]
        } else {
            y = dequantizedProduct(flat, w);
        }
        if (bias != null) {
            y = y.add(bias);
        }
        return y.reshape(outputShape(shape));
    }

    /**
     * {@code flat W^T} for a prompt, with {@code W} dequantised a block of output rows at a time: a float32 copy of a
     * whole large matrix per call is mapped afresh by the C library's allocator, and its page faults took most of
     * OPT-1.3b's int8 prefill (13 s for 64 tokens against 2 s in float32); blocks of
     * {@value #DEQUANTIZED_BLOCK_BYTES} bytes are reused from its heap.
     *
     * @param flat [M, in]
     * @return [M, out]
     */
    private NDArray dequantizedProduct(NDArray flat, Int8Weight w) {
        long out = outFeatures();
        long block = Math.max(1, DEQUANTIZED_BLOCK_BYTES / (Float.BYTES * inFeatures())); // rows of W per block
        NDList parts = new NDList();
        for (long from = 0; from < out; from += block) {
            NDIndex rows = new NDIndex("{}:{}", from, Math.min(out, from + block));
            // operations on parameters put their results in the parameters' manager: move each to this call's
            NDArray q = ArrayScopes.adopt(w.q().get(rows), flat); // [block, in] int8, a view
            NDArray scales = ArrayScopes.adopt(w.scales().get(rows), flat); // [block]
            NDArray columnScales = scales.expandDims(1); // [block, 1]
            NDArray widened = q.toType(DataType.FLOAT32, false);
            NDArray dequantized = widened.mul(columnScales);
            parts.add(ai.djl.nn.core.Linear.linear(flat, dequantized).singletonOrThrow()); // [M, block]
            for (NDArray temporary : new NDArray[] {q, scales, columnScales, widened, dequantized}) {
                temporary.close();
            }
        }
        NDArray y = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1); // [M, out]
        if (parts.size() > 1) {
            parts.close();
        }
        return y;
    }

    /** Each row of {@code flat} [M, in] by {@link MatVec}: [M, out], or null where the kernel does not apply. */
    private static NDArray byRows(NDArray flat, Int8Weight w, NDArray bias) {
        NDList products = new NDList();
        for (long r = 0; r < flat.getShape().get(0); r++) {
            NDArray row = flat.get(r); // [in]
            if (r == 0 && !MatVec.applies(row, w.q())) {
                row.close();
                return null;
            }
            products.add(MatVec.multiply(row, w.q(), w.scales(), bias)); // [out]
            row.close();
        }
        NDArray y = NDArrays.stack(products); // [M, out]
        products.close();
        return y;
    }

    private Shape outputShape(Shape input) {
        long[] out = input.getShape().clone();
        out[out.length - 1] = outFeatures();
        return new Shape(out);
    }

    /**
     * The quantised weight in the form its kernel reads: the int8 matrix for libtorch's kernels, or fbgemm's packed
     * copy (the int8 matrix itself is then freed) with what fbgemm's call needs beside it.
     *
     * @param scales float32 [out]
     * @param q int8 [out, in], or null when packed
     * @param packed fbgemm's packed matrix, or null
     * @param shapeOnly int8 [out, in] broadcast from one element: fbgemm reads only its shape
     * @param columnSums int32 [out], {@code q.sum(1)}
     * @param zeroBias float32 [out] zeros: the bias is added after the per-channel scales
     */
    private record Int8Weight(NDArray scales, NDArray q, NDArray packed, NDArray shapeOnly, NDArray columnSums,
            NDArray zeroBias) {

        static Int8Weight plain(NDArray q, NDArray scales, NDManager owner) {
            q.attach(owner);
            scales.attach(owner);
            return new Int8Weight(scales, q, null, null, null, null);
        }

        static Int8Weight packed(NDArray q, NDArray scales, NDManager owner) {
            Shape shape = q.getShape();
            NDArray packed = LibtorchOps.fbgemmPackInt8(q);
            NDArray sums = q.toType(DataType.INT32, false).sum(new int[] {1}).toType(DataType.INT32, false);
            // a view of one fresh element (a view of q would keep all of q alive)
            NDArray shapeOnly = q.getManager().zeros(new Shape(1, 1), DataType.INT8).broadcast(shape);
            NDArray zeroBias = q.getManager().zeros(new Shape(shape.get(0)));
            for (NDArray kept : new NDArray[] {scales, packed, sums, shapeOnly, zeroBias}) {
                kept.attach(owner);
            }
            return new Int8Weight(scales, null, packed, shapeOnly, sums, zeroBias);
        }
    }
}
