package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link StateDict#withPrefix} / {@link StateDict#stripPrefix} / {@link StateDict#filter} views, missing keys and closing. */
class StateDictViewsTest {

    @Test
    void prefixViewsRenameWithoutCopying() {
        try (StateDict sd = StateDict.open(Oracle.path("opt-tiny", "model.safetensors"))) {
            StateDict decoder = sd.stripPrefix("model.decoder.");
            assertEquals(sd.keys().size(), decoder.keys().size());
            assertTrue(decoder.contains("embed_tokens.weight"));
            assertArrayEquals(sd.getFloats("model.decoder.final_layer_norm.bias"),
                    decoder.getFloats("final_layer_norm.bias"));

            StateDict layer1 = sd.stripPrefix("model.decoder.layers.1.");
            assertEquals(Set.of("self_attn.k_proj.weight", "self_attn.k_proj.bias", "self_attn.v_proj.weight",
                    "self_attn.v_proj.bias", "self_attn.q_proj.weight", "self_attn.q_proj.bias",
                    "self_attn.out_proj.weight", "self_attn.out_proj.bias", "self_attn_layer_norm.weight",
                    "self_attn_layer_norm.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
                    "final_layer_norm.weight", "final_layer_norm.bias"), layer1.keys());
            assertArrayEquals(new long[] {256, 64}, layer1.info("fc1.weight").shape());

            StateDict hf = decoder.withPrefix("base_model.model.model.decoder.");
            assertTrue(hf.contains("base_model.model.model.decoder.layers.0.fc2.bias"));
            assertEquals(List.copyOf(sd.keys()).get(0).replace("model.decoder.", "base_model.model.model.decoder."),
                    List.copyOf(hf.keys()).get(0), "views keep the file order");
            try (NDManager manager = NDManager.newBaseManager()) {
                assertArrayEquals(sd.get("model.decoder.layers.0.fc2.bias", manager).toFloatArray(),
                        hf.get("base_model.model.model.decoder.layers.0.fc2.bias", manager).toFloatArray());
            }
            CheckpointException e = assertThrows(CheckpointException.class, () -> layer1.info("fc3.weight"));
            assertTrue(e.getMessage().contains("'fc3.weight'") && e.getMessage().contains("model.decoder.layers.1."),
                    e.getMessage());
            assertFalse(layer1.contains("model.decoder.layers.1.fc1.weight"));

            hf.close();
            assertEquals(64, sd.getFloats("model.decoder.final_layer_norm.bias").length, "closing a view closes nothing");
        }
    }

    @Test
    void filterViewsKeepOnlyAcceptedKeysUnderTheirNames() {
        try (StateDict sd = StateDict.open(Oracle.path("opt-tiny", "model.safetensors"))) {
            StateDict noLayer1 = sd.filter(key -> !key.startsWith("model.decoder.layers.1."));
            assertEquals(sd.keys().size() - 16, noLayer1.keys().size());
            assertFalse(noLayer1.contains("model.decoder.layers.1.fc1.weight"));
            assertTrue(noLayer1.contains("model.decoder.layers.0.fc1.weight"));
            assertEquals(List.copyOf(sd.keys()).stream().filter(k -> !k.startsWith("model.decoder.layers.1.")).toList(),
                    List.copyOf(noLayer1.keys()), "a filter keeps the file order");
            assertArrayEquals(sd.info("model.decoder.layers.0.fc1.weight").shape(),
                    noLayer1.info("model.decoder.layers.0.fc1.weight").shape());
            assertArrayEquals(sd.getFloats("model.decoder.final_layer_norm.bias"),
                    noLayer1.getFloats("model.decoder.final_layer_norm.bias"));
            try (NDManager manager = NDManager.newBaseManager()) {
                assertArrayEquals(sd.get("model.decoder.layers.0.fc2.bias", manager).toFloatArray(),
                        noLayer1.get("model.decoder.layers.0.fc2.bias", manager).toFloatArray());
            }
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> noLayer1.getFloats("model.decoder.layers.1.fc2.bias"));
            assertTrue(e.getMessage().contains("'model.decoder.layers.1.fc2.bias'"), e.getMessage());
            assertEquals(Set.of("model.decoder.final_layer_norm.bias", "model.decoder.layers.0.final_layer_norm.bias"),
                    noLayer1.filter(k -> k.endsWith("final_layer_norm.bias")).keys(), "filters compose");

            noLayer1.close();
            assertEquals(64, sd.getFloats("model.decoder.final_layer_norm.bias").length, "closing a view closes nothing");
        }
    }

    @Test
    void missingKeysAndClosedFilesAreNamed() {
        StateDict sd = StateDict.open(Oracle.path("formats", "pickle_conformance.pth"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> sd.getFloats("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("pickle_conformance.pth"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> sd.getFloats("i64"));
        assertTrue(e.getMessage().contains("'i64'") && e.getMessage().contains("not a floating tensor"), e.getMessage());
        sd.close();
        e = assertThrows(CheckpointException.class, () -> sd.getFloats("f32"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
