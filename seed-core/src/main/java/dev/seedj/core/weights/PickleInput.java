package dev.seedj.core.weights;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The byte stream a pickle is read from, with the guards the unpickler needs: it knows how many bytes may
 * still come (so a length field claiming more is refused before anything is allocated), counts the bytes
 * consumed (the legacy format's storages start right after its pickles), and can cap text lines.
 *
 * <p>Not thread-safe: one unpickler reads it at a time.
 */
final class PickleInput extends InputStream {
    private final InputStream in;
    private final long limit;
    private long position;
    /** While reading a text opcode: the longest line allowed; -1 otherwise. */
    private int lineLimit = -1;
    private int lineLength;

    /**
     * @param in the bytes (buffer it if it is a file or zip stream)
     * @param limit how many bytes may be read at most (the pickle's size, or what is left of the file)
     */
    PickleInput(InputStream in, long limit) {
        this.in = in;
        this.limit = limit;
    }

    /** @return bytes consumed so far */
    long position() {
        return position;
    }

    /**
     * @param length a length read from the pickle
     * @param what the opcode, for the message
     * @throws IOException if fewer bytes than {@code length} remain (or length is negative)
     */
    void requireAvailable(long length, String what) throws IOException {
        if (length < 0 || length > limit - position) {
            throw new IOException(what + " claims " + length + " bytes but only " + (limit - position)
                    + " remain at byte " + position);
        }
    }

    /**
     * Caps the lines the next text opcode may read.
     *
     * @param maxLength longest line allowed, in bytes
     */
    void startLines(int maxLength) {
        lineLimit = maxLength;
        lineLength = 0;
    }

    /** Ends a text opcode. */
    void endLines() {
        lineLimit = -1;
    }

    /**
     * Reads one newline-terminated UTF-8 line.
     *
     * @param maxLength longest line allowed, in bytes
     * @return the line without its newline
     * @throws IOException at end of input or if the line is too long
     */
    String readLine(int maxLength) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = read();
            if (b < 0) {
                throw new EOFException("end of pickle inside a text line at byte " + position);
            }
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() >= maxLength) {
                throw new IOException("pickle text line longer than " + maxLength + " bytes at byte " + position);
            }
            line.write(b);
        }
    }

    /**
     * Reads exactly {@code length} bytes, after checking that they exist.
     *
     * @param length number of bytes
     * @param what the opcode, for the message
     * @return the bytes
     * @throws IOException at end of input
     */
    byte[] readBytes(long length, String what) throws IOException {
        requireAvailable(length, what);
        if (length > FileStateDict.MAX_ARRAY) {
            throw new IOException(what + " of " + length + " bytes is too large");
        }
        byte[] bytes = readNBytes((int) length);
        if (bytes.length != length) {
            throw new EOFException(what + " truncated at byte " + position);
        }
        return bytes;
    }

    @Override
    public int read() throws IOException {
        if (position >= limit) {
            return -1;
        }
        int b = in.read();
        if (b >= 0) {
            position++;
            countLine(b);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position >= limit) {
            return -1;
        }
        int n = in.read(buffer, offset, (int) Math.min(length, limit - position));
        if (n > 0) {
            position += n;
            for (int i = 0; i < n; i++) {
                countLine(buffer[offset + i] & 0xff);
            }
        }
        return n;
    }

    private void countLine(int b) throws IOException {
        if (lineLimit < 0) {
            return;
        }
        if (b == '\n') {
            lineLength = 0;
        } else if (++lineLength > lineLimit) {
            throw new IOException("pickle text line longer than " + lineLimit + " bytes at byte " + position);
        }
    }
}
