package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The child JVM of {@link LibtorchOpsTest}: runs one bfloat16 scenario that could abort the process, prints
 * {@code OK} and exits 0 if it survived with the right values.
 */
public final class Bfloat16Child {
    private Bfloat16Child() {}

    /**
     * @param args {@code djl-totype} (DJL's {@code toType(BFLOAT16)}), or {@code ours} (this project's path) and a
     *     checkpoint whose floating tensors are read as bfloat16
     */
    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1.5f, -2.25f, 3.14159f, 1e-3f, 65504f, -7.77f}, new Shape(2, 3));
            if (args[0].equals("djl-totype")) {
                x.toType(DataType.BFLOAT16, false);
            } else {
                ours(manager, x);
                checkpoint(manager, Path.of(args[1]));
                int8(manager);
                if (LibtorchOps.fbgemmAvailable()) {
                    fbgemmInt8(manager);
                    System.out.println("fbgemm int8 checked");
                }
            }
        }
        System.out.println("OK");
    }

    private static void ours(NDManager manager, NDArray x) {
        float[] values = x.toFloatArray();
        // float32 -> bfloat16 inside libtorch, back with DJL's (safe) toType(FLOAT32)
        NDArray bf = LibtorchOps.toBfloat16(x);
        check(LibtorchOps.isBfloat16(bf), "bfloat16 is reported as UNKNOWN");
        float[] back = bf.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < values.length; i++) {
            check(back[i] == roundToBfloat16(values[i]), "element " + i + ": " + back[i]);
        }
        // bfloat16 bit patterns from bytes (as a checkpoint stores them), viewed without a copy
        ByteBuffer bytes = ByteBuffer.allocateDirect(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putShort((short) (Float.floatToRawIntBits(roundToBfloat16(v)) >>> 16));
        }
        bytes.flip();
        NDArray bits = manager.create(bytes, new Shape(2, 3), DataType.FLOAT16);
        NDArray viewed = LibtorchOps.viewAsBfloat16(bits);
        float[] fromBytes = viewed.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < values.length; i++) {
            check(fromBytes[i] == back[i], "viewed element " + i + ": " + fromBytes[i]);
        }
        // a bfloat16 matrix product and the operations a model runs on bfloat16 arrays
        NDArray w = LibtorchOps.toBfloat16(manager.randomNormal(new Shape(4, 3)));
        NDArray y = ai.djl.nn.core.Linear.linear(viewed, w).singletonOrThrow().add(viewed.get(":, 0:1").matMul(
                viewed.get(":, 0:1").transpose()).get(":, 0:1")); // [2, 4]
        NDArray expected = ai.djl.nn.core.Linear.linear(viewed.toType(DataType.FLOAT32, false),
                w.toType(DataType.FLOAT32, false)).singletonOrThrow();
        check(y.getShape().equals(new Shape(2, 4)), "shape " + y.getShape());
        check(LibtorchOps.isBfloat16(y), "result stays bfloat16");
        float[] got = y.toType(DataType.FLOAT32, false).toFloatArray();
        check(Float.isFinite(got[0]) && expected.toFloatArray().length == 8, "linear");
        // a layer with a bfloat16 matrix and a float32 bias on a float32 input: float32 out, the product's input
        // rounded to bfloat16
        dev.seedj.core.nn.Linear layer = new dev.seedj.core.nn.Linear(3, 4, true);
        layer.weight().setArray(w);
        layer.bias().setArray(manager.create(new float[] {0.5f, -1f, 2f, 0.25f}));
        NDArray x32 = manager.create(new float[] {1.001f, -2.002f, 3.003f, 0.004f, 5.005f, -6.006f}, new Shape(2, 3));
        NDArray mixed = layer.forward(x32);
        check(mixed.getDataType() == DataType.FLOAT32, "mixed linear is float32: " + mixed.getDataType());
        NDArray reference = ai.djl.nn.core.Linear.linear(LibtorchOps.toBfloat16(x32).toType(DataType.FLOAT32, false),
                w.toType(DataType.FLOAT32, false), layer.bias().getArray()).singletonOrThrow();
        float[] m = mixed.toFloatArray();
        float[] r = reference.toFloatArray();
        for (int i = 0; i < m.length; i++) {
            check(Math.abs(m[i] - r[i]) <= 1e-2 * (1 + Math.abs(r[i])), "mixed linear " + i + ": " + m[i] + " vs " + r[i]);
        }
    }

    /** Every floating tensor of a checkpoint read as bfloat16 equals its float32 value rounded to bfloat16. */
    private static void checkpoint(NDManager manager, Path file) {
        try (StateDict sd = StateDict.open(file)) {
            int checked = 0;
            for (String key : sd.keys()) {
                TensorInfo info = sd.info(key);
                if (!info.dtype().isFloating() || info.numel() == 0) {
                    continue;
                }
                float[] reference = sd.getFloats(key);
                NDArray bf = sd.get(key, manager, ComputeType.BFLOAT16);
                check(LibtorchOps.isBfloat16(bf), key + " is bfloat16");
                check(bf.getShape().equals(new Shape(info.shape())), key + " shape");
                float[] got = bf.toType(DataType.FLOAT32, false).toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    check(got[i] == roundToBfloat16(reference[i]), key + "[" + i + "]: " + got[i]);
                }
                checked++;
            }
            check(checked >= 8, "checked " + checked);
            check(sd.get("i64", manager, ComputeType.BFLOAT16).getDataType() == DataType.INT64, "integers stay");
        }
    }

    /** The int8 kernel at the shapes the models use equals the product with the dequantised matrix. */
    private static void int8(NDManager manager) {
        long[][] shapes = {{1, 64, 64}, {3, 64, 256}, {4, 256, 64}, {1, 64, 9194}, {2, 768, 3072}, {1, 3072, 768},
            {16, 768, 2304}, {1, 100, 7}};
        for (long[] s : shapes) {
            NDArray x = manager.randomNormal(new Shape(s[0], s[1]));
            NDArray q = manager.randomInteger(-127, 128, new Shape(s[2], s[1]), DataType.INT32).toType(DataType.INT8,
                    false);
            NDArray scales = manager.randomUniform(0.001f, 0.01f, new Shape(s[2]));
            NDArray y = LibtorchOps.int8MatMul(x, q, scales);
            NDArray expected = x.matMul(q.toType(DataType.FLOAT32, false).mul(scales.expandDims(1)).transpose());
            float[] got = y.toFloatArray();
            float[] want = expected.toFloatArray();
            check(got.length == want.length, "int8 shape " + y.getShape());
            for (int i = 0; i < got.length; i++) {
                check(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])), "int8 " + java.util.Arrays
                        .toString(s) + " element " + i + ": " + got[i] + " vs " + want[i]);
            }
            // a transposed (non-contiguous) input is made contiguous first
            NDArray xt = manager.randomNormal(new Shape(s[1], s[0])).transpose();
            check(LibtorchOps.int8MatMul(xt, q, scales).getShape().equals(new Shape(s[0], s[2])), "transposed");
        }
    }

    /**
     * fbgemm's int8 product is exact for inputs on its uint8 grid: {@code x} spans [-1.28, 1.27] in steps of 0.01
     * (scale 0.01, zero point 128), so the result must equal {@code x q^T} up to float rounding, including the worst
     * case for AVX2's int16 pair sums (inputs at 1.27 against weights all at +63).
     */
    private static void fbgemmInt8(NDManager manager) {
        long[][] shapes = {{1, 64, 64}, {4, 256, 64}, {1, 768, 3072}, {16, 768, 2304}, {40, 64, 9194}, {1, 100, 7}};
        java.util.Random rng = new java.util.Random(5);
        for (long[] s : shapes) {
            int m = (int) s[0];
            int k = (int) s[1];
            int n = (int) s[2];
            int[] grid = new int[m * k]; // x = grid * 0.01
            for (int i = 0; i < grid.length; i++) {
                grid[i] = rng.nextInt(256) - 128;
            }
            for (int i = 0; i < k; i++) {
                grid[i] = i == 0 ? -128 : 127; // row 0: the largest uint8 input everywhere (and the grid's ends) ...
            }
            byte[] qs = new byte[n * k];
            for (int i = 0; i < qs.length; i++) {
                qs[i] = (byte) (i < k ? 63 : rng.nextInt(127) - 63); // ... against weight row 0 all at +63
            }
            float[] xs = new float[grid.length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = grid[i] * 0.01f;
            }
            NDArray x = manager.create(xs, new Shape(m, k));
            NDArray q = manager.create(java.nio.ByteBuffer.wrap(qs), new Shape(n, k), DataType.INT8);
            NDArray packed = LibtorchOps.fbgemmPackInt8(q);
            NDArray sums = q.toType(DataType.INT32, false).sum(new int[] {1}).toType(DataType.INT32, false);
            NDArray shapeOnly = manager.zeros(new Shape(1, 1), DataType.INT8).broadcast(new Shape(n, k));
            NDArray bias = manager.arange(n).toType(DataType.FLOAT32, false).mul(0.5f);
            float[] got = LibtorchOps.fbgemmInt8Linear(x, shapeOnly, packed, sums, 2.0, bias).toFloatArray();
            check(got.length == m * n, "fbgemm shape");
            for (int r = 0; r < m; r++) {
                for (int c = 0; c < n; c++) {
                    long dot = 0; // exact: the integer product fbgemm computes
                    for (int i = 0; i < k; i++) {
                        dot += (long) grid[r * k + i] * qs[c * k + i];
                    }
                    double want = 2 * 0.01 * dot + 0.5 * c;
                    double error = Math.abs(got[r * n + c] - want);
                    // float rounding of the scales and the result only: one integer unit off would be 0.02
                    check(error <= 1e-5 * (Math.abs(2 * 0.01 * dot) + 0.5 * c) + 1e-4, "fbgemm " + java.util.Arrays
                            .toString(s) + " row " + r + " column " + c + ": " + got[r * n + c] + " vs " + want);
                }
            }
        }
        boolean refused = false;
        try {
            LibtorchOps.fbgemmInt8Linear(manager.ones(new Shape(1, 5)), manager.zeros(new Shape(3, 4), DataType.INT8),
                    manager.zeros(new Shape(8), DataType.UINT8), manager.zeros(new Shape(3), DataType.INT32), 1,
                    manager.zeros(new Shape(3)));
        } catch (IllegalArgumentException e) {
            refused = e.getMessage().contains("(1, 5)"); // K 5 against the weight's 4, refused before native code
        }
        check(refused, "fbgemm shape mismatch refused");
    }

    /** Round to nearest even on the upper 16 bits, as torch does for finite values. */
    static float roundToBfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xffff0000);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("FAILED: " + what);
            System.exit(3);
        }
    }
}
