package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.file.Path;

/**
 * libtorch operators that DJL 0.36 does not expose: reinterpreting 16-bit data as bfloat16, converting float32 to
 * bfloat16, and the weight-only int8 matrix product with per-output-channel scales ({@code _weight_int8pack_mm}).
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
     * @param array an array
     * @return whether it is bfloat16 as far as DJL can tell (DJL reports bfloat16 as {@link DataType#UNKNOWN})
     */
    public static boolean isBfloat16(NDArray array) {
        return array.getDataType() == DataType.UNKNOWN;
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

        private Native(NativeLibrary torch) {
            this.viewDtype = torch.getFunction(VIEW_DTYPE);
            this.toDtype = torch.getFunction(TO_DTYPE);
            this.operatorNew = torch.getFunction(OPERATOR_NEW);
            this.contiguous = torch.getFunction(CONTIGUOUS);
            this.int8MatMul = torch.getFunction(INT8_MM);
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
}
