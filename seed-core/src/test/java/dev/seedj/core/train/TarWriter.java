package dev.seedj.core.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes small tar archives for tests: ustar headers, long names as pax records or GNU 'L' members. */
final class TarWriter {
    private TarWriter() {}

    static void write(Path file, Map<String, byte[]> members, boolean gnuLongNames) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header("dir/", 0, '5'));
        for (Map.Entry<String, byte[]> m : members.entrySet()) {
            byte[] name = m.getKey().getBytes(StandardCharsets.UTF_8);
            if (name.length > 100) {
                byte[] extra;
                if (gnuLongNames) {
                    extra = (m.getKey() + "\0").getBytes(StandardCharsets.UTF_8);
                    out.write(header("././@LongLink", extra.length, 'L'));
                } else {
                    String body = " path=" + m.getKey() + "\n";
                    int len = body.length() + 2;
                    len = body.length() + Integer.toString(len).length(); // the length counts its own digits
                    extra = (len + body).getBytes(StandardCharsets.UTF_8);
                    out.write(header("PaxHeaders/x", extra.length, 'x'));
                }
                data(out, extra);
                out.write(header(m.getKey().substring(0, 50), m.getValue().length, '0'));
            } else {
                out.write(header(m.getKey(), m.getValue().length, '0'));
            }
            data(out, m.getValue());
        }
        out.write(new byte[1024]); // two zero blocks end the archive
        Files.write(file, out.toByteArray());
    }

    private static void data(ByteArrayOutputStream out, byte[] bytes) {
        out.writeBytes(bytes);
        out.writeBytes(new byte[(512 - bytes.length % 512) % 512]);
    }

    private static byte[] header(String name, long size, char type) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, Math.min(b.length, 100));
    }
}
