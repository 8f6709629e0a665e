package dev.seedj.core.weights;

import java.math.BigInteger;

/**
 * Reads Java values that the unpickler produced for Python ints and tuples, checking their types.
 *
 * <p>Stateless; thread-safe.
 */
final class PickleValues {
    private PickleValues() {
    }

    /**
     * @param value an unpickled Python int
     * @param file the checkpoint, for messages
     * @param what what the value is, for messages
     * @return the value
     * @throws CheckpointException if it is not an int in [0, 2^63)
     */
    static long natural(Object value, String file, String what) {
        long n;
        if (value instanceof Integer || value instanceof Long) {
            n = ((Number) value).longValue();
        } else if (value instanceof BigInteger big && big.bitLength() < 64) {
            n = big.longValue();
        } else {
            throw new CheckpointException(file + ": " + what + " is not a 64-bit integer");
        }
        if (n < 0) {
            throw new CheckpointException(file + ": " + what + " is negative (" + n + ")");
        }
        return n;
    }

    /**
     * @param value an unpickled tuple of Python ints
     * @param file the checkpoint, for messages
     * @param what what the value is, for messages
     * @return the values
     * @throws CheckpointException if it is not a tuple of non-negative ints
     */
    static long[] naturals(Object value, String file, String what) {
        if (!(value instanceof Object[] tuple)) {
            throw new CheckpointException(file + ": " + what + " is not a tuple");
        }
        long[] out = new long[tuple.length];
        for (int i = 0; i < tuple.length; i++) {
            out[i] = natural(tuple[i], file, what + "[" + i + "]");
        }
        return out;
    }

    /**
     * @param value any unpickled value
     * @return a short name of its Python-side kind, for messages (never its contents)
     */
    static String kind(Object value) {
        return value == null ? "None" : value.getClass().getSimpleName();
    }
}
