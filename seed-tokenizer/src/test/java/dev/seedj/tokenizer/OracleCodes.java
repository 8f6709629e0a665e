package dev.seedj.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** The reference codes listed in a tokenizer case's {@code case.json}. */
final class OracleCodes {
    /** The photos' order in every {@code photos*} batch. */
    static final String[] PHOTOS = {"cat_v1", "cat_main", "dog3"};

    private OracleCodes() {}

    /**
     * @param caseName {@code v1-tiny} or {@code v2-tiny}
     * @param batch e.g. {@code random} or {@code photos_bicubic}
     * @return the codes, [image][32]
     */
    static int[][] codes(String caseName, String batch) {
        try {
            JsonObject json = JsonParser.parseString(Files.readString(Oracle.path(caseName, "case.json")))
                    .getAsJsonObject();
            JsonArray rows = json.getAsJsonObject("codes").getAsJsonArray(batch);
            int[][] out = new int[rows.size()][];
            for (int i = 0; i < out.length; i++) {
                JsonArray row = rows.get(i).getAsJsonArray();
                out[i] = new int[row.size()];
                for (int j = 0; j < out[i].length; j++) {
                    out[i][j] = row.get(j).getAsInt();
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
