package dev.seedj.diffusion;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.function.ToDoubleFunction;

/**
 * Per-tensor tolerances from a case's {@code tolerance_guide_fp64} (the largest |fp32 reference - fp64| the oracle
 * measured): {@code max(1e-5, 2 x that)}, so that layers deep in the network, where the reference's own float32
 * rounding reaches 1e-5 to 2e-5, are judged by the same measure.
 */
final class ToleranceGuide {
    static final double FLOOR = 1e-5;
    static final double NOISE_MULTIPLE = 2;

    private ToleranceGuide() {}

    static ToDoubleFunction<String> of(String caseName) {
        JsonObject perTensor = perTensor(caseName);
        return key -> {
            JsonObject entry = perTensor.getAsJsonObject(key);
            double noise = entry != null && entry.has("max_abs") ? entry.get("max_abs").getAsDouble() : 0;
            return Math.max(FLOOR, NOISE_MULTIPLE * noise);
        };
    }

    /**
     * For a case without its own guide (sd-unclip-tiny points to sd-v1-tiny's "same kinds of layers"): twice the
     * worst noise of a guide's tensors under {@code prefix}, at least the floor.
     */
    static double worst(String caseName, String prefix) {
        double worst = 0;
        for (var entry : perTensor(caseName).entrySet()) {
            JsonObject value = entry.getValue().getAsJsonObject();
            if (entry.getKey().startsWith(prefix) && value.has("max_abs")) {
                worst = Math.max(worst, value.get("max_abs").getAsDouble());
            }
        }
        return Math.max(FLOOR, NOISE_MULTIPLE * worst);
    }

    private static JsonObject perTensor(String caseName) {
        try {
            return JsonParser.parseString(Files.readString(Oracle.path(caseName, "case.json"))).getAsJsonObject()
                    .getAsJsonObject("tolerance_guide_fp64").getAsJsonObject("per_tensor");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
