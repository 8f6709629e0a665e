package dev.seedj.core.weights;

/**
 * Element types a checkpoint can store, with their size in bytes and their names in safetensors and
 * PyTorch. Floating types are widened to float32 on read; integer types to int64; bool stays bool.
 */
public enum DType {
    /** IEEE binary16. */
    FLOAT16(2, "F16", "HalfStorage"),
    /** bfloat16 (upper half of a float32). */
    BFLOAT16(2, "BF16", "BFloat16Storage"),
    /** IEEE binary32. */
    FLOAT32(4, "F32", "FloatStorage"),
    /** IEEE binary64. */
    FLOAT64(8, "F64", "DoubleStorage"),
    /** signed 8-bit integer. */
    INT8(1, "I8", "CharStorage"),
    /** unsigned 8-bit integer. */
    UINT8(1, "U8", "ByteStorage"),
    /** signed 16-bit integer. */
    INT16(2, "I16", "ShortStorage"),
    /** signed 32-bit integer. */
    INT32(4, "I32", "IntStorage"),
    /** signed 64-bit integer. */
    INT64(8, "I64", "LongStorage"),
    /** boolean, one byte each. */
    BOOL(1, "BOOL", "BoolStorage");

    private final int byteSize;
    private final String safetensorsName;
    private final String torchStorageName;

    DType(int byteSize, String safetensorsName, String torchStorageName) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
        this.torchStorageName = torchStorageName;
    }

    /** @return bytes per element */
    public int byteSize() {
        return byteSize;
    }

    /** @return the dtype string used in safetensors headers, e.g. {@code F16} */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** @return the legacy PyTorch storage class name, e.g. {@code HalfStorage} */
    public String torchStorageName() {
        return torchStorageName;
    }

    /** @return true for float16, bfloat16, float32 and float64 */
    public boolean isFloating() {
        return this == FLOAT16 || this == BFLOAT16 || this == FLOAT32 || this == FLOAT64;
    }
}
