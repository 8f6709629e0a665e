package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 2: every tensor of {@code formats/pickle_conformance.pth} (float16, bfloat16, float64, int64,
 * int32, uint8, bool; transposed, offset, shared, stride-0, 0-d and empty views) equals the contiguous copy
 * in {@code pickle_conformance.safetensors}: integers and bools exactly, floats bit for bit after widening.
 */
class PickleConformanceTest {

    @Test
    void everyTensorMatchesTheSafetensorsCopy() {
        try (StateDict pth = StateDict.open(Oracle.path("formats", "pickle_conformance.pth"));
                StateDict expected = StateDict.open(Oracle.path("formats", "pickle_conformance.safetensors"));
                NDManager manager = NDManager.newBaseManager()) {
            assertEquals(expected.keys(), pth.keys());
            assertEquals(List.of("f32", "f16", "bf16", "f64", "i64", "i32", "u8", "bool", "scalar_f32", "empty_f32",
                    "transposed_view", "offset_view", "base", "shared_a", "shared_b", "expanded", "f16_transposed"),
                    List.copyOf(pth.keys()), "keys in pickle order");
            for (String key : expected.keys()) {
                assertEquals(expected.info(key), pth.info(key), key);
                NDArray want = expected.get(key, manager);
                NDArray got = pth.get(key, manager);
                assertEquals(want.getShape(), got.getShape(), key);
                assertEquals(want.getDataType(), got.getDataType(), key);
                if (want.getDataType() == DataType.FLOAT32) {
                    Oracle.assertBitwiseEquals(key, want.toFloatArray(), got.toFloatArray());
                    Oracle.assertBitwiseEquals(key, expected.getFloats(key), pth.getFloats(key));
                } else if (want.getDataType() == DataType.BOOLEAN) {
                    assertArrayEquals(want.toBooleanArray(), got.toBooleanArray(), key);
                } else {
                    assertEquals(DataType.INT64, got.getDataType(), key);
                    assertArrayEquals(want.toLongArray(), got.toLongArray(), key);
                }
            }
        }
    }

    @Test
    void viewsFollowTheirStrides() {
        try (StateDict pth = StateDict.open(Oracle.path("formats", "pickle_conformance.pth"));
                NDManager manager = NDManager.newBaseManager()) {
            // base [4,3]; transposed_view [3,4] strides (1,3) over the same storage; offset_view starts at 3
            float[] base = pth.getFloats("base");
            float[] transposed = pth.getFloats("transposed_view");
            float[] offset = pth.getFloats("offset_view");
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(base[j * 3 + i], transposed[i * 4 + j], 0f, "transposed_view[" + i + "][" + j + "]");
                }
            }
            for (int i = 0; i < 9; i++) {
                assertEquals(base[3 + i], offset[i], 0f, "offset_view element " + i);
            }
            assertArrayEquals(pth.getFloats("shared_a"), pth.getFloats("shared_b"));
            long[] expanded = pth.get("expanded", manager).toLongArray();
            for (int j = 0; j < 5; j++) {
                assertEquals(expanded[j], expanded[5 + j], "stride-0 rows repeat");
            }
            assertEquals(new Shape(), pth.get("scalar_f32", manager).getShape());
            assertEquals(1, pth.getFloats("scalar_f32").length);
            assertEquals(new Shape(0, 3), pth.get("empty_f32", manager).getShape());
            assertEquals(0, pth.getFloats("empty_f32").length);
            assertEquals(DType.FLOAT16, pth.info("f16_transposed").dtype());
            assertEquals(DType.UINT8, pth.info("u8").dtype());
        }
    }
}
