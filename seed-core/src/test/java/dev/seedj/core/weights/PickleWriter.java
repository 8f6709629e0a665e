package dev.seedj.core.weights;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand, to build checkpoints (benign and hostile) inside tests. */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter proto(int version) {
        return op(0x80).raw(version);
    }

    PickleWriter global(String module, String name) {
        return op('c').text(module + "\n" + name + "\n");
    }

    PickleWriter stackGlobal(String module, String name) {
        return unicode(module).unicode(name).op(0x93);
    }

    PickleWriter inst(String module, String name) {
        return op('i').text(module + "\n" + name + "\n");
    }

    PickleWriter unicode(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return op('X').int32(bytes.length).raw(bytes);
    }

    /** A BINUNICODE whose length field claims {@code length} bytes that are not there. */
    PickleWriter unicodeClaiming(int length) {
        return op('X').int32(length);
    }

    PickleWriter integer(long value) {
        if (value >= 0 && value < 256) {
            return op('K').raw((int) value);
        }
        if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
            return op('J').int32((int) value);
        }
        return long1(BigInteger.valueOf(value));
    }

    PickleWriter long1(BigInteger value) {
        byte[] bigEndian = value.toByteArray();
        op(0x8a).raw(bigEndian.length);
        for (int i = bigEndian.length - 1; i >= 0; i--) {
            raw(bigEndian[i] & 0xff);
        }
        return this;
    }

    PickleWriter tuple(long... values) {
        mark();
        for (long v : values) {
            integer(v);
        }
        return op('t');
    }

    PickleWriter mark() {
        return op('(');
    }

    PickleWriter endTuple() {
        return op('t');
    }

    PickleWriter tuple1() {
        return op(0x85);
    }

    PickleWriter emptyTuple() {
        return op(')');
    }

    PickleWriter emptyDict() {
        return op('}');
    }

    PickleWriter emptyList() {
        return op(']');
    }

    PickleWriter append() {
        return op('a');
    }

    PickleWriter appends() {
        return op('e');
    }

    PickleWriter setItem() {
        return op('s');
    }

    PickleWriter setItems() {
        return op('u');
    }

    PickleWriter reduce() {
        return op('R');
    }

    PickleWriter binPersId() {
        return op('Q');
    }

    PickleWriter bool(boolean value) {
        return op(value ? 0x88 : 0x89);
    }

    PickleWriter none() {
        return op('N');
    }

    PickleWriter put(int index) {
        return op('q').raw(index);
    }

    PickleWriter get(int index) {
        return op('h').raw(index);
    }

    PickleWriter build() {
        return op('b');
    }

    PickleWriter stop() {
        return op('.');
    }

    /**
     * {@code _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())}, as
     * {@code torch.save} writes a tensor.
     */
    PickleWriter tensor(String storageType, String key, long storageNumel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().unicode("storage").global("torch", storageType).unicode(key).unicode("cpu").integer(storageNumel)
                .endTuple().binPersId();
        integer(offset).tuple(size).tuple(stride).bool(false);
        global("collections", "OrderedDict").emptyTuple().reduce();
        return endTuple().reduce();
    }

    /** The legacy format's persistent id has a sixth element, the view metadata (None here). */
    PickleWriter legacyTensor(String storageType, String key, long storageNumel, long offset, long[] size,
            long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().unicode("storage").global("torch", storageType).unicode(key).unicode("cpu").integer(storageNumel)
                .none().endTuple().binPersId();
        integer(offset).tuple(size).tuple(stride).bool(false);
        global("collections", "OrderedDict").emptyTuple().reduce();
        return endTuple().reduce();
    }

    PickleWriter op(int opcode) {
        out.write(opcode);
        return this;
    }

    PickleWriter raw(int b) {
        out.write(b);
        return this;
    }

    PickleWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    PickleWriter int32(int value) {
        return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    PickleWriter text(String value) {
        return raw(value.getBytes(StandardCharsets.UTF_8));
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
