package dev.seedj.core.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal tar reader that lists the regular files of an uncompressed archive with the position and size of
 * their data: ustar (with its name prefix), pax extended headers ({@code path}, {@code size}), GNU long names
 * and base-256 sizes. Directories, links and other special members are skipped. Header checksums are verified.
 *
 * <p>Stateless and thread-safe (positional reads only).
 */
final class TarIndex {
    private static final int BLOCK = 512;

    /** A regular file in the archive. */
    record Member(String name, long offset, long size) {}

    private TarIndex() {}

    /**
     * @param channel the archive, opened for reading
     * @param what the archive's name, for messages
     * @return its regular files in archive order
     * @throws DatasetException on a corrupt header or an archive cut short
     */
    static List<Member> list(FileChannel channel, String what) throws IOException {
        List<Member> out = new ArrayList<>();
        long length = channel.size();
        long pos = 0;
        String paxPath = null;
        long paxSize = -1;
        String longName = null;
        if (length < BLOCK) {
            throw new DatasetException(what + " is not a tar archive (" + length + " bytes, shorter than one header)");
        }
        while (pos + BLOCK <= length) {
            byte[] h = read(channel, pos, BLOCK, what);
            if (isZero(h)) {
                break;
            }
            verifyChecksum(h, pos, what);
            long size = number(h, 124, 12, pos, what);
            char type = (char) h[156];
            long data = pos + BLOCK;
            long next = data + (size + BLOCK - 1) / BLOCK * BLOCK;
            if (data + size > length) {
                throw new DatasetException(what + ": the member at byte " + pos + " runs past the end of the archive"
                        + " (truncated file?)");
            }
            switch (type) {
                case 'x' -> {
                    for (String[] kv : paxRecords(read(channel, data, Math.toIntExact(size), what), pos, what)) {
                        if (kv[0].equals("path")) {
                            paxPath = kv[1];
                        } else if (kv[0].equals("size")) {
                            paxSize = parseLong(kv[1], pos, what);
                        }
                    }
                }
                case 'L' -> longName = cString(read(channel, data, Math.toIntExact(size), what), 0,
                        Math.toIntExact(size));
                case '0', '\0', '7' -> {
                    String name = paxPath != null ? paxPath : longName != null ? longName : headerName(h);
                    long realSize = paxSize >= 0 ? paxSize : size;
                    if (paxSize >= 0) {
                        next = data + (realSize + BLOCK - 1) / BLOCK * BLOCK;
                    }
                    out.add(new Member(name, data, realSize));
                    paxPath = null;
                    paxSize = -1;
                    longName = null;
                }
                default -> { // directories, links, global pax headers, ...: not training data
                    paxPath = null;
                    paxSize = -1;
                    longName = null;
                }
            }
            pos = next;
        }
        return out;
    }

    private static String headerName(byte[] h) {
        String name = cString(h, 0, 100);
        boolean posix = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r'
                && h[262] == 0;
        String prefix = posix ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static void verifyChecksum(byte[] h, long pos, String what) {
        long stored = number(h, 148, 8, pos, what);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        if (sum != stored) {
            throw new DatasetException(what + ": corrupt tar header at byte " + pos + " (checksum " + stored
                    + ", computed " + sum + "); is this an uncompressed tar archive?");
        }
    }

    /** An octal field (NUL/space terminated) or GNU base-256 (high bit of the first byte set). */
    private static long number(byte[] h, int off, int len, long pos, String what) {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x7f;
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (h[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        for (; i < end && h[i] != 0 && h[i] != ' '; i++) {
            if (h[i] < '0' || h[i] > '7') {
                throw new DatasetException(what + ": corrupt tar header at byte " + pos
                        + " (a numeric field is not octal); is this an uncompressed tar archive?");
            }
            v = v * 8 + (h[i] - '0');
        }
        return v;
    }

    private static List<String[]> paxRecords(byte[] data, long pos, String what) {
        List<String[]> out = new ArrayList<>();
        int i = 0;
        while (i < data.length && data[i] != 0) {
            int space = i;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            int len = (int) parseLong(new String(data, i, space - i, StandardCharsets.US_ASCII), pos, what);
            if (len <= 0 || i + len > data.length) {
                throw new DatasetException(what + ": corrupt pax header at byte " + pos);
            }
            String record = new String(data, space + 1, i + len - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq > 0) {
                out.add(new String[] {record.substring(0, eq), record.substring(eq + 1)});
            }
            i += len;
        }
        return out;
    }

    private static long parseLong(String s, long pos, String what) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new DatasetException(what + ": corrupt pax header at byte " + pos + " ('" + s + "')", e);
        }
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads exactly {@code len} bytes at {@code pos}.
     *
     * @param channel the file
     * @param pos where to start
     * @param len how many bytes
     * @param what the file's name, for messages
     * @return the bytes
     */
    static byte[] read(FileChannel channel, long pos, int len, String what) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(len);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, pos + buffer.position()) < 0) {
                throw new DatasetException(what + " ends early at byte " + (pos + buffer.position()));
            }
        }
        return buffer.array();
    }
}
