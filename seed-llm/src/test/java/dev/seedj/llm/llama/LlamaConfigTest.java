package dev.seedj.llm.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json parsing: Hugging Face's defaults and clear errors naming the key's JSON path and the file. */
class LlamaConfigTest {
    private static final String BASE = "\"hidden_size\": 64, \"intermediate_size\": 176, \"num_hidden_layers\": 2,"
            + " \"num_attention_heads\": 4, \"rms_norm_eps\": 1e-5, \"max_position_embeddings\": 256,"
            + " \"vocab_size\": 1000";

    private static LlamaConfig parse(String extra) {
        return LlamaConfig.parse("{" + BASE + (extra.isEmpty() ? "" : ", " + extra) + "}");
    }

    @Test
    void absentKeysTakeHuggingFaceDefaults() {
        LlamaConfig c = parse("");
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(LlamaConfig.RopeScaling.NONE, c.ropeScaling());
        assertEquals(1, c.pretrainingTp());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(1, c.bosTokenId());
        assertEquals(2, c.eosTokenId());
        assertEquals(0, c.padTokenId());
        assertEquals(16, c.headDim());
        assertEquals(1e-5, c.rmsNormEps());
    }

    @Test
    void llama2KeysAreRead() {
        LlamaConfig c = parse("\"num_key_value_heads\": 2, \"rope_theta\": 500000.0, \"pretraining_tp\": 2,"
                + " \"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}, \"tie_word_embeddings\": true,"
                + " \"pad_token_id\": null");
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(new LlamaConfig.RopeScaling(LlamaConfig.RopeScaling.Type.DYNAMIC, 2.0), c.ropeScaling());
        assertEquals(2, c.pretrainingTp());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(0, c.padTokenId());
        assertEquals(7, parse("\"eos_token_id\": [7, 9]").eosTokenId());
    }

    private static void assertRejected(String json, String... mentions) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.parse(json));
        for (String m : mentions) {
            assertTrue(e.getMessage().contains(m), e.getMessage() + " should mention " + m);
        }
    }

    @Test
    void badKeysAreNamed() {
        assertRejected("{" + BASE.replace("\"hidden_size\": 64, ", "") + "}", "hidden_size");
        assertRejected("{" + BASE.replace("\"rms_norm_eps\": 1e-5, ", "") + "}", "rms_norm_eps");
        assertRejected("{" + BASE.replace("\"hidden_size\": 64", "\"hidden_size\": \"wide\"") + "}", "hidden_size");
        assertRejected("{" + BASE + ", \"num_key_value_heads\": 3}", "num_key_value_heads");
        assertRejected("{" + BASE.replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 5") + "}",
                "num_attention_heads");
        assertRejected("{" + BASE + ", \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 2}}", "rope_scaling.type");
        assertRejected("{" + BASE + ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 0.5}}", "rope_scaling.factor");
        assertRejected("{" + BASE + ", \"model_type\": \"opt\"}", "model_type");
        assertRejected("{" + BASE + ", \"hidden_act\": \"gelu\"}", "hidden_act");
        assertRejected("{" + BASE + ", \"eos_token_id\": 1000}", "eos_token_id");
        assertRejected("[1, 2]", "JSON object");
        assertRejected("{" + BASE + ", \"eos_token_id\": \"end\"}", "eos_token_id");
        assertRejected("{" + BASE + ", \"rms_norm_eps\": -1}", "rms_norm_eps");
    }

    @Test
    void errorsNameTheJsonPathAndTheFile(@TempDir Path dir) throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("\"rope_scaling\": {\"type\": \"linear\","
                + " \"factor\": \"big\"}"));
        assertEquals("$.rope_scaling.factor", e.path());
        e = assertThrows(ConfigException.class, () -> parse("\"eos_token_id\": [3, \"x\"], \"bos_token_id\": [1]"));
        assertEquals("$.bos_token_id", e.path());
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{" + BASE.replace("\"hidden_size\": 64", "\"hidden_size\": 6.5") + "}");
        e = assertThrows(ConfigException.class, () -> LlamaConfig.load(file));
        assertEquals("$.hidden_size", e.path());
        assertTrue(e.getMessage().startsWith(file + ": $.hidden_size: expected an integer"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> LlamaConfig.load(dir.resolve("none.json")));
        assertTrue(e.getMessage().contains("none.json") && e.getMessage().contains("no such file"), e.getMessage());
    }
}
