package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * libtorch operators that DJL 0.36 does not expose: reinterpreting 16-bit data as bfloat16, converting float32 to
 * bfloat16, the weight-only int8 matrix product with per-output-channel scales ({@code _weight_int8pack_mm}), and
 * fused float32 kernels for inference: scaled dot-product attention (libtorch picks its flash-attention kernel for
 * the CPU, which never materialises the score matrix), group normalisation with its affine part, and SiLU.
 *
 * <p>Why: DJL's PyTorch JNI maps its {@link DataType} to a libtorch {@code ScalarType} with a switch that knows only
 * float32, float64, float16, uint8, int32, int8, int64, bool and complex64; its {@code default:} branch is a bare
 * {@code throw;} with no active exception, which calls {@code std::terminate} and aborts the JVM. So
 * {@code toType(BFLOAT16)}, creating a {@code BFLOAT16} or {@code INT16} array, and every DJL call that passes an
 * array's own data type back to native code ({@code softmax}, {@code logSoftmax}, {@code duplicate}, {@code zeros}
 * with its type) abort the process once the array is bfloat16 (which DJL reports as {@link DataType#UNKNOWN}). This
 * class calls libtorch's own operators ({@code at::_ops::view_dtype} and {@code at::_ops::to_dtype}) through JNA
 * instead and wraps the result as a DJL array; callers of bfloat16 arrays must use only DJL operations that do not
 * pass a data type (linear, matMul, add, mul, layerNorm, embedding, reshape, transpose, concat, indexing) and turn
 * them back with {@code toType(FLOAT32, false)}, which is safe (float32 is mapped).
 *
 * <p>A C++ exception thrown by libtorch cannot cross the JNA call without aborting the JVM, so every method checks
 * the preconditions of its operator (types, ranks, shapes) first and throws {@link IllegalArgumentException}.
 *
 * <p>How C++ arguments are passed (System V x86-64): {@code const at::Tensor&} is the address of the
 * {@code at::Tensor} DJL's handle points to; a returned {@code at::Tensor} is constructed at an address passed as a
 * hidden first argument; {@code const std::optional<at::Tensor>&} is the address of 16 bytes holding the
 * {@code TensorImpl*} (the 8 bytes of an {@code at::Tensor}) and an engaged flag at offset 8; a
 * {@code std::optional<double>} by value ({@code {double, bool}}, 16 bytes) goes to the stack once the six integer
 * registers are taken, where it is two 8-byte slots: the double's bits, then the flag.
 *
 * <p>Only on Linux x86-64 (the calling convention of the C++ functions is the System V one, checked by the tests).
 *
 * <p>Thread-safe.
 */
public final class LibtorchOps {
    /** libtorch's {@code c10::ScalarType} codes of the types used here. */
    private static final int BFLOAT16 = 15;
    private static final String VIEW_DTYPE = "_ZN2at4_ops10view_dtype4callERKNS_6TensorEN3c1010ScalarTypeE";
    private static final String TO_DTYPE =
            "_ZN2at4_ops8to_dtype4callERKNS_6TensorEN3c1010ScalarTypeEbbSt8optionalINS5_12MemoryFormatEE";
    private static final String OPERATOR_NEW = "_Znwm";
    private static final String CONTIGUOUS = "_ZN2at4_ops10contiguous4callERKNS_6TensorEN3c1012MemoryFormatE";
    private static final String INT8_MM = "_ZN2at4_ops19_weight_int8pack_mm4callERKNS_6TensorES4_S4_";
    /** {@code scaled_dot_product_attention(q, k, v, attn_mask?, dropout_p, is_causal, scale?, enable_gqa)}. */
    private static final String SDPA =
            "_ZN2at4_ops28scaled_dot_product_attention4callERKNS_6TensorES4_S4_RKSt8optionalIS2_EdbS5_IdEb";
    /** {@code group_norm(input, num_groups, weight?, bias?, eps, cudnn_enabled)}. */
    private static final String GROUP_NORM = "_ZN2at4_ops10group_norm4callERKNS_6TensorElRKSt8optionalIS2_ES8_db";
    private static final String SILU = "_ZN2at4_ops4silu4callERKNS_6TensorE";
    private static final String SILU_IN_PLACE = "_ZN2at4_ops5silu_4callERNS_6TensorE";
    /** {@code fbgemm_pack_quantized_matrix(weight)}: int8 [N, K] into fbgemm's {@code PackBMatrix<int8_t>}. */
    private static final String FBGEMM_PACK_INT8 = "_ZN2at4_ops28fbgemm_pack_quantized_matrix4callERKNS_6TensorE";
    /** {@code fbgemm_linear_int8_weight_fp32_activation(input, weight, packed, col_offsets, scale, zero_point, bias)}. */
    private static final String FBGEMM_INT8_LINEAR = "_ZN2at4_ops41fbgemm_linear_int8_weight_fp32_activation4call"
            + "ERKNS_6TensorES4_S4_S4_RKN3c106ScalarES8_S4_";
    /**
     * Size of a {@code c10::Scalar}: a 4-byte tag, then its value union at offset 16 (the union holds a
     * {@code c10::complex<double>}, which is aligned to 16 bytes).
     */
    private static final int SCALAR_BYTES = 32;
    private static final int SCALAR_VALUE_OFFSET = 16;
    /** {@code c10::Scalar::Tag::HAS_d} and {@code HAS_i}, the first two tags of every libtorch 2.x. */
    private static final int SCALAR_DOUBLE = 0;
    private static final int SCALAR_LONG = 1;
    /** Size of {@code std::optional<at::Tensor>}: the tensor's 8 bytes and the engaged flag, padded. */
    private static final int OPTIONAL_TENSOR_BYTES = 16;
    /** Offset of the engaged flag in {@code std::optional<at::Tensor>}. */
    private static final int OPTIONAL_ENGAGED_OFFSET = 8;
    /** {@code c10::MemoryFormat::Contiguous}. */
    private static final int MEMORY_FORMAT_CONTIGUOUS = 0;

    private LibtorchOps() {}

    /** @return whether bfloat16 arrays can be made here (Linux x86-64 with DJL's libtorch) */
    public static boolean available() {
        return Native.FUNCTIONS != null;
    }

    /**
     * Reinterprets float16-typed bytes that hold bfloat16 values (e.g. an array created over the bytes of a
     * {@code BF16} checkpoint tensor) as a bfloat16 array sharing the same memory.
     *
     * @param bits a float16 array whose 16-bit patterns are bfloat16 values; it must stay open as long as the result
     *     (it owns the memory)
     * @return the bfloat16 view, in {@code bits}' manager
     * @throws IllegalArgumentException if {@code bits} is not float16
     * @throws UnsupportedOperationException where {@link #available()} is false
     */
    public static NDArray viewAsBfloat16(NDArray bits) {
        if (bits.getDataType() != DataType.FLOAT16) {
            throw new IllegalArgumentException("expected float16 bits, got " + bits.getDataType());
        }
        return call(Native.functions().viewDtype, bits, BFLOAT16);
    }

    /**
     * Converts a float32 or float16 array to bfloat16 (round to nearest even, as {@code tensor.bfloat16()}).
     *
     * @param array float32 or float16
     * @return a new bfloat16 array in {@code array}'s manager
     * @throws IllegalArgumentException for another type
     * @throws UnsupportedOperationException where {@link #available()} is false
     */
    public static NDArray toBfloat16(NDArray array) {
        DataType type = array.getDataType();
        if (type != DataType.FLOAT32 && type != DataType.FLOAT16) {
            throw new IllegalArgumentException("can convert only float32 or float16 to bfloat16, got " + type);
        }
        return call(Native.functions().toDtype, array, BFLOAT16, false, false, 0 /* memory_format = nullopt */);
    }

    /**
     * {@code x W^T} with {@code W = scales[:, None] * weight}: libtorch's weight-only int8 matrix product, which reads
     * the int8 weights as int8 (vectorised for the CPU at hand). Every precondition of the native operator is checked
     * here first: its errors could not cross the JNA call without aborting the JVM.
     *
     * @param x float32 [M, K]
     * @param weight int8 [N, K], contiguous (as created from a buffer or by a conversion)
     * @param scales float32 [N]
     * @return float32 [M, N], in {@code x}'s manager
     * @throws IllegalArgumentException for other types or shapes
     * @throws UnsupportedOperationException where {@link #available()} is false
     */
    public static NDArray int8MatMul(NDArray x, NDArray weight, NDArray scales) {
        Shape xs = x.getShape();
        Shape ws = weight.getShape();
        if (x.getDataType() != DataType.FLOAT32 || weight.getDataType() != DataType.INT8
                || scales.getDataType() != DataType.FLOAT32 || xs.dimension() != 2 || ws.dimension() != 2
                || scales.getShape().dimension() != 1 || xs.get(1) != ws.get(1) || scales.getShape().get(0) != ws.get(0)
                || xs.get(0) == 0) {
            throw new IllegalArgumentException("int8 matmul needs float32 x [M, K], int8 weight [N, K] and float32"
                    + " scales [N]; got " + x.getDataType() + xs + ", " + weight.getDataType() + ws + ", "
                    + scales.getDataType() + scales.getShape());
        }
        NDArray a = call(Native.functions().contiguous, x, MEMORY_FORMAT_CONTIGUOUS);
        NDArray w = call(Native.functions().contiguous, weight, MEMORY_FORMAT_CONTIGUOUS);
        a.attach(x.getManager());
        w.attach(x.getManager());
        try {
            return call3(Native.functions().int8MatMul, a, w, scales);
        } finally {
            a.close();
            w.close();
        }
    }

    /**
     * @return whether fbgemm's int8 kernels can run here: {@link #available()} and a CPU with AVX2 and FMA, the
     *     minimum fbgemm checks for (libtorch raises an error otherwise, which could not cross the JNA call)
     */
    public static boolean fbgemmAvailable() {
        return available() && CpuFeatures.FBGEMM;
    }

    /**
     * Packs an int8 matrix into fbgemm's layout for {@link #fbgemmInt8Linear} (a copy: {@code weight} may be closed
     * afterwards).
     *
     * @param weight int8 [N, K]
     * @return an opaque byte array holding the packed matrix, in {@code weight}'s manager; closing it frees the pack
     * @throws IllegalArgumentException for another type or rank
     * @throws UnsupportedOperationException where {@link #fbgemmAvailable()} is false
     */
    public static NDArray fbgemmPackInt8(NDArray weight) {
        requireFbgemm();
        Shape ws = weight.getShape();
        if (weight.getDataType() != DataType.INT8 || ws.dimension() != 2 || ws.size() == 0) {
            throw new IllegalArgumentException("fbgemm packs an int8 [N, K] matrix, got " + weight.getDataType() + ws);
        }
        return callInto(weight, Native.functions().fbgemmPackInt8, handle(weight));
    }

    /**
     * fbgemm's int8 matrix product with the input quantised on the fly: {@code x} is quantised to uint8 with one
     * scale and zero point for the whole input (from its min and max), multiplied by the packed int8 weight in int32
     * ({@code vpmaddubsw} on AVX2, VNNI where present), then dequantised with {@code weightScale} and {@code bias}
     * added: {@code y ~ x (weightScale * q)^T + bias}. Runs on libtorch's intra-op threads.
     *
     * @param x float32 [M, K]
     * @param weightShape int8 [N, K]: only its shape is read (a broadcast view is enough)
     * @param packed {@link #fbgemmPackInt8} of the [N, K] matrix
     * @param columnSums int32 [N], {@code q.sum(1)} (fbgemm's column offsets with a zero point of 0)
     * @param weightScale one scale for the whole matrix (1 for per-channel scales applied afterwards)
     * @param bias float32 [N]
     * @return float32 [M, N], in {@code x}'s manager
     * @throws IllegalArgumentException for other types or shapes
     * @throws UnsupportedOperationException where {@link #fbgemmAvailable()} is false
     */
    public static NDArray fbgemmInt8Linear(NDArray x, NDArray weightShape, NDArray packed, NDArray columnSums,
            double weightScale, NDArray bias) {
        requireFbgemm();
        Shape xs = x.getShape();
        Shape ws = weightShape.getShape();
        boolean ok = isFloat32(x) && xs.dimension() == 2 && xs.get(0) > 0 && weightShape.getDataType() == DataType.INT8
                && ws.dimension() == 2 && ws.get(1) == xs.get(1) && packed.getDataType() == DataType.UINT8
                && columnSums.getDataType() == DataType.INT32 && columnSums.getShape().equals(new Shape(ws.get(0)))
                && isFloat32(bias) && bias.getShape().equals(new Shape(ws.get(0))) && Double.isFinite(weightScale);
        if (!ok) {
            throw new IllegalArgumentException("fbgemm int8 linear needs float32 x [M, K], an int8 [N, K] weight shape,"
                    + " a packed matrix, int32 column sums [N], float32 bias [N] and a finite scale; got x "
                    + x.getDataType() + xs + ", weight " + weightShape.getDataType() + ws + ", packed "
                    + packed.getDataType() + ", column sums " + columnSums.getDataType() + columnSums.getShape()
                    + ", bias " + bias.getDataType() + bias.getShape() + ", scale " + weightScale);
        }
        Memory scale = scalar(SCALAR_DOUBLE, Double.doubleToRawLongBits(weightScale));
        Memory zeroPoint = scalar(SCALAR_LONG, 0);
        NDArray input = call(Native.functions().contiguous, x, MEMORY_FORMAT_CONTIGUOUS);
        try {
            return callInto(x, Native.functions().fbgemmInt8Linear, handle(input), handle(weightShape),
                    handle(packed), handle(columnSums), scale, zeroPoint, handle(bias));
        } finally {
            input.close();
        }
    }

    /**
     * libtorch's {@code scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)} (no dropout, not causal):
     * {@code softmax(q k^T * scale + mask) v}. On the CPU libtorch runs it with its flash-attention kernel, which
     * works on blocks of queries and keys and never holds the {@code [B, H, Tq, Tk]} scores; it falls back to its own
     * plain formulation when an input does not fit that kernel. Float32 only.
     *
     * @param q float32 [B, H, Tq, D], last dimension contiguous
     * @param k float32 [B, H, Tk, D]
     * @param v float32 [B, H, Tk, Dv]
     * @param additiveMask float32 [B or 1, H or 1, Tq or 1, Tk] added to the scores, or null
     * @param scale multiplies the scores
     * @return float32 [B, H, Tq, Dv], in {@code q}'s manager
     * @throws IllegalArgumentException for other types or shapes
     * @throws UnsupportedOperationException where {@link #available()} is false
     */
    public static NDArray scaledDotProductAttention(NDArray q, NDArray k, NDArray v, NDArray additiveMask,
            double scale) {
        Shape qs = q.getShape();
        Shape ks = k.getShape();
        Shape vs = v.getShape();
        boolean ok = isFloat32(q) && isFloat32(k) && isFloat32(v) && qs.dimension() == 4 && ks.dimension() == 4
                && vs.dimension() == 4 && ks.get(0) == qs.get(0) && vs.get(0) == qs.get(0) && ks.get(1) == qs.get(1)
                && vs.get(1) == qs.get(1) && ks.get(3) == qs.get(3) && vs.get(2) == ks.get(2) && qs.size() > 0
                && ks.size() > 0 && vs.size() > 0;
        if (ok && additiveMask != null) {
            Shape ms = additiveMask.getShape();
            ok = isFloat32(additiveMask) && ms.dimension() == 4 && ms.get(3) == ks.get(2)
                    && (ms.get(0) == 1 || ms.get(0) == qs.get(0)) && (ms.get(1) == 1 || ms.get(1) == qs.get(1))
                    && (ms.get(2) == 1 || ms.get(2) == qs.get(2));
        }
        if (!ok || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("attention needs float32 q [B, H, Tq, D], k [B, H, Tk, D], v [B, H, Tk,"
                    + " Dv], a float32 mask broadcastable to [B, H, Tq, Tk] and a finite scale; got q " + q.getDataType()
                    + qs + ", k " + k.getDataType() + ks + ", v " + v.getDataType() + vs + ", mask "
                    + (additiveMask == null ? "none" : additiveMask.getDataType() + "" + additiveMask.getShape())
                    + ", scale " + scale);
        }
        Memory mask = optionalTensor(additiveMask);
        long engaged = 1; // the scale is given
        long enableGqa = 0;
        return callInto(q, Native.functions().sdpa, handle(q), handle(k), handle(v), mask, 0.0 /* dropout_p */,
                false /* is_causal */, Double.doubleToRawLongBits(scale), engaged, enableGqa);
    }

    /**
     * libtorch's {@code group_norm} with the affine part in the same kernel: {@code x} split into {@code groups}
     * groups of channels, each normalised over its channels and positions (biased variance), then
     * {@code * weight[c] + bias[c]}. Float32 only.
     *
     * @param x float32 [B, C, ...], at least 2 dimensions
     * @param groups number of groups, dividing C
     * @param weight float32 [C]
     * @param bias float32 [C]
     * @param eps added to the variance
     * @return float32 [B, C, ...], in {@code x}'s manager
     * @throws IllegalArgumentException for other types or shapes
     * @throws UnsupportedOperationException where {@link #available()} is false
     */
    public static NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
        Shape xs = x.getShape();
        long channels = xs.dimension() >= 2 ? xs.get(1) : -1;
        if (!isFloat32(x) || !isFloat32(weight) || !isFloat32(bias) || channels <= 0 || groups <= 0
                || channels % groups != 0 || xs.get(0) == 0 || !weight.getShape().equals(new Shape(channels))
                || !bias.getShape().equals(new Shape(channels)) || !(eps >= 0)) {
            throw new IllegalArgumentException("group norm needs float32 x [B, C, ...] with C divisible by " + groups
                    + " groups, float32 weight and bias [C] and eps >= 0; got x " + x.getDataType() + xs + ", weight "
                    + weight.getDataType() + weight.getShape() + ", bias " + bias.getDataType() + bias.getShape()
                    + ", eps " + eps);
        }
        return callInto(x, Native.functions().groupNorm, handle(x), (long) groups, optionalTensor(weight),
                optionalTensor(bias), eps, false /* cudnn_enabled */);
    }

    /**
     * {@code x * sigmoid(x)} in one pass (libtorch's {@code silu}).
     *
     * @param x float32, any shape
     * @return a new float32 array, in {@code x}'s manager
     * @throws IllegalArgumentException for another type
     * @throws UnsupportedOperationException where {@link #available()} is false
     */
    public static NDArray silu(NDArray x) {
        requireFloat32(x, "silu");
        return callInto(x, Native.functions().silu, handle(x));
    }

    /**
     * {@code x * sigmoid(x)} written over {@code x} (libtorch's {@code silu_}). Only for an array the caller created
     * and nothing else reads, and not while autograd records.
     *
     * @param x float32, any shape; overwritten
     * @return {@code x}
     * @throws IllegalArgumentException for another type
     * @throws UnsupportedOperationException where {@link #available()} is false
     */
    public static NDArray siluInPlace(NDArray x) {
        requireFloat32(x, "silu");
        Native.functions().siluInPlace.invokePointer(new Object[] {handle(x)}); // returns x's own address
        return x;
    }

    /**
     * @param array an array
     * @return whether it is bfloat16 as far as DJL can tell (DJL reports bfloat16 as {@link DataType#UNKNOWN})
     */
    public static boolean isBfloat16(NDArray array) {
        return array.getDataType() == DataType.UNKNOWN;
    }

    /**
     * @param array float32, or another floating type (bfloat16 is widened inside libtorch)
     * @return its values as float32, a Java copy (the widened array, if any, is freed)
     */
    public static float[] float32Values(NDArray array) {
        if (array.getDataType() == DataType.FLOAT32) {
            return array.toFloatArray();
        }
        try (NDArray widened = array.toType(DataType.FLOAT32, false)) {
            return widened.toFloatArray();
        }
    }

    /** Calls {@code at::Tensor f(const at::Tensor&, ...)}; the result goes to a heap Tensor DJL later deletes. */
    private static NDArray call(Function function, NDArray self, Object... args) {
        if (!(self instanceof PtNDArray pt)) {
            throw new IllegalArgumentException("not a PyTorch-engine array: " + self.getClass().getName());
        }
        Pointer result = Native.functions().operatorNew.invokePointer(new Object[] {8L}); // sizeof(at::Tensor)
        Object[] all = new Object[args.length + 2];
        all[0] = result; // the returned Tensor is constructed here (System V: hidden first argument)
        all[1] = new Pointer(pt.getHandle());
        System.arraycopy(args, 0, all, 2, args.length);
        function.invokePointer(all);
        return new PtNDArray((PtNDManager) pt.getManager(), Pointer.nativeValue(result));
    }

    /** Calls {@code at::Tensor f(const at::Tensor&, const at::Tensor&, const at::Tensor&)}. */
    private static NDArray call3(Function function, NDArray a, NDArray b, NDArray c) {
        Pointer result = Native.functions().operatorNew.invokePointer(new Object[] {8L});
        function.invokePointer(new Object[] {result, handle(a), handle(b), handle(c)});
        return new PtNDArray((PtNDManager) a.getManager(), Pointer.nativeValue(result));
    }

    /**
     * Calls {@code at::Tensor f(...)} with the given arguments after the hidden result address; the result is
     * wrapped in {@code owner}'s manager (DJL deletes the heap Tensor when it is closed).
     */
    private static NDArray callInto(NDArray owner, Function function, Object... args) {
        if (!(owner.getManager() instanceof PtNDManager manager)) {
            throw new IllegalArgumentException("not a PyTorch-engine array: " + owner.getClass().getName());
        }
        Pointer result = Native.functions().operatorNew.invokePointer(new Object[] {8L}); // sizeof(at::Tensor)
        Object[] all = new Object[args.length + 1];
        all[0] = result;
        System.arraycopy(args, 0, all, 1, args.length);
        function.invokePointer(all);
        return new PtNDArray(manager, Pointer.nativeValue(result));
    }

    /**
     * A {@code std::optional<at::Tensor>} that borrows {@code array}'s tensor (no reference count is taken: the
     * callee only reads it through a const reference), or an empty one for null.
     */
    private static Memory optionalTensor(NDArray array) {
        Memory optional = new Memory(OPTIONAL_TENSOR_BYTES);
        optional.clear();
        if (array != null) {
            optional.setPointer(0, handle(array).getPointer(0)); // the at::Tensor's TensorImpl*
            optional.setByte(OPTIONAL_ENGAGED_OFFSET, (byte) 1);
        }
        return optional;
    }

    /** A {@code c10::Scalar} with the given tag and the 8 bytes of its value. */
    private static Memory scalar(int tag, long valueBits) {
        Memory scalar = new Memory(SCALAR_BYTES);
        scalar.clear();
        scalar.setInt(0, tag);
        scalar.setLong(SCALAR_VALUE_OFFSET, valueBits);
        return scalar;
    }

    private static void requireFbgemm() {
        if (!fbgemmAvailable()) {
            throw new UnsupportedOperationException("fbgemm's int8 kernels need DJL's libtorch on Linux x86-64 with"
                    + " AVX2 and FMA");
        }
    }

    private static boolean isFloat32(NDArray array) {
        return array.getDataType() == DataType.FLOAT32 && array instanceof PtNDArray;
    }

    private static void requireFloat32(NDArray x, String op) {
        if (!isFloat32(x)) {
            throw new IllegalArgumentException(op + " needs a float32 PyTorch-engine array, got " + x.getDataType());
        }
    }

    private static Pointer handle(NDArray array) {
        if (!(array instanceof PtNDArray pt)) {
            throw new IllegalArgumentException("not a PyTorch-engine array: " + array.getClass().getName());
        }
        return new Pointer(pt.getHandle());
    }

    /** The native functions, looked up once in the libtorch DJL loaded. */
    private static final class Native {
        static final Native FUNCTIONS = load();
        final Function viewDtype;
        final Function toDtype;
        final Function operatorNew;
        final Function contiguous;
        final Function int8MatMul;
        final Function sdpa;
        final Function groupNorm;
        final Function silu;
        final Function siluInPlace;
        final Function fbgemmPackInt8;
        final Function fbgemmInt8Linear;

        private Native(NativeLibrary torch) {
            this.viewDtype = torch.getFunction(VIEW_DTYPE);
            this.toDtype = torch.getFunction(TO_DTYPE);
            this.operatorNew = torch.getFunction(OPERATOR_NEW);
            this.contiguous = torch.getFunction(CONTIGUOUS);
            this.int8MatMul = torch.getFunction(INT8_MM);
            this.sdpa = torch.getFunction(SDPA);
            this.groupNorm = torch.getFunction(GROUP_NORM);
            this.silu = torch.getFunction(SILU);
            this.siluInPlace = torch.getFunction(SILU_IN_PLACE);
            this.fbgemmPackInt8 = torch.getFunction(FBGEMM_PACK_INT8);
            this.fbgemmInt8Linear = torch.getFunction(FBGEMM_INT8_LINEAR);
        }

        static Native functions() {
            if (FUNCTIONS == null) {
                throw new UnsupportedOperationException("bfloat16 arrays need DJL's libtorch on Linux x86-64");
            }
            return FUNCTIONS;
        }

        private static Native load() {
            if (!Platform.isLinux() || !Platform.isIntel() || !Platform.is64Bit()) {
                return null;
            }
            try {
                ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch
                Path torch = Path.of(LibUtils.getLibtorchPath()).resolve("libtorch_cpu.so");
                return new Native(NativeLibrary.getInstance(torch.toAbsolutePath().toString()));
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                return null;
            }
        }
    }

    /** The CPU features fbgemm needs, read once from {@code /proc/cpuinfo}. */
    private static final class CpuFeatures {
        static final boolean FBGEMM = readFlags().containsAll(Set.of("avx2", "fma"));

        private static Set<String> readFlags() {
            try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
                return lines.filter(l -> l.startsWith("flags")).findFirst()
                        .map(l -> new HashSet<>(Arrays.asList(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))))
                        .orElseGet(HashSet::new);
            } catch (IOException | RuntimeException e) {
                return Set.of();
            }
        }
    }
}
