package dev.seedj.core.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * A pickle reader that builds data and never runs anything: razorvine's {@link Unpickler} with the opcodes
 * that could reach code or exhaust memory taken over.
 * <ul>
 *   <li>GLOBAL, STACK_GLOBAL and INST resolve names only through {@link TorchGlobals}; anything else is
 *       refused with an {@link UnsafeCheckpointException} before an object is built (razorvine's static
 *       constructor registry and its catch-all ClassDict are never consulted).</li>
 *   <li>BUILD (razorvine would call {@code __setstate__} by reflection) is accepted only on dicts, where
 *       torch puts the {@code _metadata} attribute of a state dict, and ignored.</li>
 *   <li>Length-prefixed strings, bytes and longs are checked against the bytes that remain before being
 *       allocated; text opcodes get a line-length cap.</li>
 *   <li>Dicts and sets keep insertion order and accept only hashable keys (no lists, dicts or sets, which
 *       could recurse forever while hashing).</li>
 * </ul>
 * Persistent ids go to the loader given by the checkpoint format.
 *
 * <p>Not thread-safe; use one instance per pickle.
 */
final class TorchUnpickler extends Unpickler {
    private static final int MAX_TEXT_LINE = 1 << 16;
    private static final int MAX_LONG_BYTES = 1 << 12;

    private final String file;
    private final TorchGlobals globals;
    private final Function<Object, Object> persistentLoader;
    private PickleInput source;

    /**
     * @param file the checkpoint, for messages
     * @param persistentLoader maps a persistent id to the object it stands for (a storage reference)
     */
    TorchUnpickler(String file, Function<Object, Object> persistentLoader) {
        this.file = file;
        this.globals = new TorchGlobals(file);
        this.persistentLoader = persistentLoader;
    }

    /**
     * Reads one pickle (up to its STOP opcode).
     *
     * @param input the bytes
     * @param what which pickle this is, for messages
     * @return the unpickled object
     * @throws CheckpointException if the pickle is corrupt, truncated or unsafe
     */
    Object read(PickleInput input, String what) {
        this.source = input;
        try {
            return load(input);
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": corrupt or truncated " + what + " near byte " + input.position()
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected Object persistentLoad(Object pid) {
        return persistentLoader.apply(pid);
    }

    @Override
    protected Object dispatch(short key) throws IOException {
        switch (key) {
            case Opcodes.GLOBAL -> stack.add(resolve(source.readLine(MAX_TEXT_LINE), source.readLine(MAX_TEXT_LINE)));
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw new IOException("STACK_GLOBAL without module and name strings");
                }
                stack.add(resolve(m, n));
            }
            case Opcodes.INST -> {
                IObjectConstructor constructor = resolve(source.readLine(MAX_TEXT_LINE),
                        source.readLine(MAX_TEXT_LINE));
                stack.add(constructor.construct(stack.pop_all_since_marker().toArray()));
            }
            case Opcodes.BUILD -> {
                Object state = stack.pop();
                Object target = stack.peek();
                if (!(target instanceof Map)) {
                    throw new CheckpointException(file + ": pickle sets the state of a "
                            + PickleValues.kind(target) + " (" + PickleValues.kind(state)
                            + "), which state dicts never do");
                }
            }
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
            case Opcodes.DICT -> {
                Map<Object, Object> dict = new LinkedHashMap<>();
                putPairs(dict, stack.pop_all_since_marker());
                stack.add(dict);
            }
            case Opcodes.SETITEM -> {
                Object value = stack.pop();
                Object dictKey = stack.pop();
                dict(stack.peek()).put(hashable(dictKey), value);
            }
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                putPairs(dict(stack.peek()), items);
            }
            case Opcodes.EMPTY_SET -> stack.add(new LinkedHashSet<>());
            case Opcodes.ADDITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                addAll(set(stack.peek()), items);
            }
            case Opcodes.FROZENSET -> {
                Set<Object> set = new LinkedHashSet<>();
                addAll(set, stack.pop_all_since_marker());
                stack.add(set);
            }
            case Opcodes.BINSTRING ->
                    stack.add(PickleUtils.rawStringFromBytes(source.readBytes(readInt32(), "BINSTRING")));
            case Opcodes.BINBYTES -> stack.add(source.readBytes(readInt32(), "BINBYTES"));
            case Opcodes.BINUNICODE -> stack.add(utf8(source.readBytes(readInt32(), "BINUNICODE")));
            case Opcodes.BINUNICODE8 -> stack.add(utf8(source.readBytes(readInt64(), "BINUNICODE8")));
            case Opcodes.BINBYTES8 -> stack.add(source.readBytes(readInt64(), "BINBYTES8"));
            case Opcodes.BYTEARRAY8 -> stack.add(source.readBytes(readInt64(), "BYTEARRAY8"));
            case Opcodes.LONG4 -> {
                long length = readInt32();
                if (length > MAX_LONG_BYTES) {
                    throw new IOException("LONG4 integer of " + length + " bytes is implausibly large");
                }
                stack.add(PickleUtils.decode_long(source.readBytes(length, "LONG4")));
            }
            case Opcodes.INT, Opcodes.LONG, Opcodes.FLOAT, Opcodes.STRING, Opcodes.UNICODE, Opcodes.GET,
                    Opcodes.PUT, Opcodes.PERSID -> {
                source.startLines(MAX_TEXT_LINE);
                try {
                    return super.dispatch(key);
                } finally {
                    source.endLines();
                }
            }
            default -> {
                return super.dispatch(key);
            }
        }
        return NO_RETURN_VALUE;
    }

    private IObjectConstructor resolve(String module, String name) {
        return globals.resolve(module, name);
    }

    private long readInt32() throws IOException {
        return ByteBuffer.wrap(source.readBytes(4, "length")).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private long readInt64() throws IOException {
        return ByteBuffer.wrap(source.readBytes(8, "length")).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void putPairs(Map<Object, Object> dict, List<Object> items) throws IOException {
        if (items.size() % 2 != 0) {
            throw new IOException("dict items are not key/value pairs");
        }
        for (int i = 0; i < items.size(); i += 2) {
            dict.put(hashable(items.get(i)), items.get(i + 1));
        }
    }

    private static void addAll(Set<Object> set, Collection<Object> items) throws IOException {
        for (Object item : items) {
            set.add(hashable(item));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object target) throws IOException {
        if (!(target instanceof Map)) {
            throw new IOException("dict item set on a " + PickleValues.kind(target));
        }
        return (Map<Object, Object>) target;
    }

    @SuppressWarnings("unchecked")
    private static Set<Object> set(Object target) throws IOException {
        if (!(target instanceof Set)) {
            throw new IOException("set item added to a " + PickleValues.kind(target));
        }
        return (Set<Object>) target;
    }

    /** Python refuses lists, dicts and sets as keys; so do we (hashing a self-containing one never ends). */
    private static Object hashable(Object key) throws IOException {
        if (key instanceof Collection || key instanceof Map) {
            throw new IOException("unhashable " + PickleValues.kind(key) + " used as a dict key or set item");
        }
        return key;
    }
}
