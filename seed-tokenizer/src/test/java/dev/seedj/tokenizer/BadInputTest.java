package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 5: bad input is a clear exception naming the problem: codes out of range or of the wrong
 * count, pixels of the wrong shape, configs with missing or inconsistent fields, weights missing for a
 * module (listed by name), a weight of the wrong shape.
 */
class BadInputTest {
    private static SeedTokenizer tokenizer;
    private static NDManager manager;

    @BeforeAll
    static void load() {
        tokenizer = TinyModels.load("v1-tiny", "weights.safetensors");
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        manager.close();
    }

    private static <T extends Throwable> void assertMessage(Class<T> type, Executable call, String... parts) {
        T e = assertThrows(type, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should name '" + part + "'");
        }
    }

    private static int[] validCodes() {
        return OracleCodes.codes("v1-tiny", "random")[0].clone();
    }

    @Test
    void codesOutsideTheCodebookAreNamed() {
        int[] codes = validCodes();
        codes[5] = 8192;
        assertMessage(IllegalArgumentException.class, () -> tokenizer.detokenize(codes), "8192", "index 5",
                "[0, 8192)");
        codes[5] = -1;
        assertMessage(IllegalArgumentException.class, () -> tokenizer.detokenize(codes), "-1", "index 5");
        long[] batch = new long[64];
        Arrays.fill(batch, 3);
        batch[40] = 100_000;
        NDArray array = manager.create(batch, new Shape(2, 32));
        assertMessage(IllegalArgumentException.class, () -> tokenizer.detokenize(array, manager), "100000",
                "index 40");
    }

    @Test
    void aWrongNumberOfCodesIsNamed() {
        int[] tooFew = Arrays.copyOf(validCodes(), 31);
        assertMessage(IllegalArgumentException.class, () -> tokenizer.detokenize(tooFew), "expected 32", "got 31");
        assertMessage(IllegalArgumentException.class, () -> tokenizer.detokenize(new int[33]), "got 33");
        NDArray wrongShape = manager.zeros(new Shape(2, 31), DataType.INT64);
        assertMessage(IllegalArgumentException.class, () -> tokenizer.detokenize(wrongShape, manager),
                "[B, 32]", "(2, 31)");
        NDArray floats = manager.zeros(new Shape(1, 32), DataType.FLOAT32);
        assertMessage(IllegalArgumentException.class, () -> tokenizer.detokenize(floats, manager), "int64", "float32");
    }

    @Test
    void pixelsOfTheWrongShapeOrTypeAreRefused() {
        assertMessage(IllegalArgumentException.class,
                () -> tokenizer.encode(manager.zeros(new Shape(1, 3, 55, 55))), "[B, 3, 56, 56]", "(1, 3, 55, 55)");
        assertMessage(IllegalArgumentException.class,
                () -> tokenizer.encode(manager.zeros(new Shape(3, 56, 56))), "[B, 3, 56, 56]", "(3, 56, 56)");
        assertMessage(IllegalArgumentException.class,
                () -> tokenizer.encode(manager.zeros(new Shape(1, 4, 56, 56))), "(1, 4, 56, 56)");
        assertMessage(IllegalArgumentException.class,
                () -> tokenizer.encode(manager.zeros(new Shape(1, 3, 56, 56), DataType.FLOAT64)), "float32",
                "float64");
        NDArray nan = manager.zeros(new Shape(1, 3, 56, 56));
        nan.set(new ai.djl.ndarray.index.NDIndex("0, 1, 2, 3"), Float.NaN);
        assertMessage(IllegalArgumentException.class, () -> tokenizer.encode(nan), "finite", "NaN");
        assertMessage(IllegalArgumentException.class,
                () -> tokenizer.forwardWithIntermediates(manager.zeros(new Shape(2, 3, 28, 28)), manager), "(2, 3, 28, 28)");
    }

    @Test
    void nullImagesAreNamed() {
        assertMessage(IllegalArgumentException.class,
                () -> tokenizer.tokenize(Arrays.asList(BatchingAndConcurrencyTest.randomImages(
                        new java.util.Random(1), 1).get(0), null)), "images[1] is null");
    }

    /** A v1-tiny config with one change. */
    private static String edited(Consumer<JsonObject> edit) {
        JsonObject json = JsonParser.parseString(TinyModels.resource("v1-tiny.json")).getAsJsonObject();
        edit.accept(json);
        return json.toString();
    }

    private static void assertConfigField(String field, Consumer<JsonObject> edit, String... parts) {
        ConfigException e = assertThrows(ConfigException.class, () -> TokenizerConfig.parse(edited(edit)));
        assertEquals("$." + field, e.path(), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should say '" + part + "'");
        }
    }

    @Test
    void configsWithMissingFieldsNameTheField() {
        assertConfigField("qformer.num_heads", j -> j.getAsJsonObject("qformer").remove("num_heads"), "missing");
        assertConfigField("vision", j -> j.remove("vision"), "missing");
        assertConfigField("image_size", j -> j.remove("image_size"), "missing");
        assertConfigField("decoder.reverse_query_tokens",
                j -> j.getAsJsonObject("decoder").remove("reverse_query_tokens"), "missing");
        assertConfigField("weights[0].file", j -> j.getAsJsonArray("weights").get(0).getAsJsonObject().remove("file"),
                "missing");
        assertConfigField("codebook.size", j -> j.getAsJsonObject("codebook").add("size", JsonParser.parseString("null")),
                "missing");
    }

    @Test
    void configsWithInconsistentFieldsNameTheField() {
        assertConfigField("qformer.num_heads", j -> j.getAsJsonObject("qformer").addProperty("num_heads", 5),
                "do not divide", "24");
        assertConfigField("vision.num_heads", j -> j.getAsJsonObject("vision").addProperty("num_heads", 3));
        assertConfigField("decoder.num_heads", j -> j.getAsJsonObject("decoder").addProperty("num_heads", 7));
        assertConfigField("image_size", j -> j.addProperty("image_size", 10), "smaller than one patch", "14");
        assertConfigField("version", j -> j.addProperty("version", "v3"), "\"v3\"");
        assertConfigField("resize", j -> j.addProperty("resize", "nearest"), "nearest");
        assertConfigField("image_std", j -> j.add("image_std", JsonParser.parseString("[0.2, 0.3]")), "3 values");
        assertConfigField("image_std[1]", j -> j.add("image_std", JsonParser.parseString("[0.2, 0, 0.3]")),
                "positive");
        assertConfigField("vision.width", j -> j.getAsJsonObject("vision").add("width", new JsonPrimitive("32")),
                "expected an integer");
        assertConfigField("vision.depth", j -> j.getAsJsonObject("vision").addProperty("depth", 2.5),
                "expected an integer");
        assertConfigField("qformer.layer_norm_eps", j -> j.getAsJsonObject("qformer").addProperty("layer_norm_eps", 0));
        assertConfigField("weights", j -> j.add("weights", JsonParser.parseString("[]")), "no weight file");
        assertConfigField("weights", j -> j.add("weights", (JsonElement) null), "missing");
        ConfigException notJson = assertThrows(ConfigException.class, () -> TokenizerConfig.parse("{\"version\": "));
        assertTrue(notJson.getMessage().contains("not valid JSON"), notJson.getMessage());
    }

    @Test
    void aConfigFileNamesItsPathAndAMissingOneIsClear(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(TokenizerConfig.FILE_NAME);
        Files.writeString(file, edited(j -> j.getAsJsonObject("qformer").remove("hidden_size")));
        ConfigException e = assertThrows(ConfigException.class, () -> SeedTokenizer.load(dir));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("qformer.hidden_size"),
                e.getMessage());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        UncheckedIOException missing = assertThrows(UncheckedIOException.class, () -> SeedTokenizer.load(empty));
        assertTrue(missing.getMessage().contains("no tokenizer model at " + empty), missing.getMessage());
        assertFalse(missing.getMessage().contains(TokenizerConfig.FILE_NAME + ": "), missing.getMessage());
    }

    @Test
    void missingWeightsAreListedByName() {
        TokenizerConfig config = TinyModels.config("v1-tiny");
        try (StateDict all = StateDict.open(Oracle.path("v1-tiny", "weights.safetensors"))) {
            StateDict weights = all.filter(key -> !key.startsWith("visual_encoder.blocks.1.")
                    && !key.equals("reverse_tokens"));
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> SeedTokenizer.load(config, weights, Device.cpu()));
            for (String part : List.of("visual_encoder", "reverse_tokens", "visual_encoder.blocks.1.attn.qkv.weight",
                    "visual_encoder.blocks.1.mlp.fc2.bias", "14 parameter(s)")) {
                assertTrue(e.getMessage().contains(part), e.getMessage() + " should name " + part);
            }
        }
    }

    @Test
    void aMissingWeightFileIsNamed(@TempDir Path dir) throws IOException {
        TokenizerConfig config = TinyModels.config("v1-tiny"); // names weights.safetensors, absent from dir
        Files.writeString(dir.resolve(TokenizerConfig.FILE_NAME), config.toJson());
        CheckpointException e = assertThrows(CheckpointException.class, () -> SeedTokenizer.load(dir));
        String path = dir.resolve("weights.safetensors").toString();
        assertTrue(e.getMessage().contains(path), e.getMessage());
        assertEquals(e.getMessage().indexOf(path), e.getMessage().lastIndexOf(path), "the path once: " + e.getMessage());
    }

    @Test
    void aWeightOfTheWrongShapeIsNamed(@TempDir Path dir) throws IOException {
        TokenizerConfig c = TinyModels.config("v1-tiny");
        TokenizerConfig.QFormer q = c.qformer();
        TokenizerConfig wider = new TokenizerConfig(c.version(), c.imageSize(), c.resize(), c.imageMean(),
                c.imageStd(), c.vision(), new TokenizerConfig.QFormer(q.hiddenSize(), q.numLayers(), q.numHeads(),
                        48, q.crossAttentionFreq(), q.numQueryTokens(), q.layerNormEps()),
                c.codebook(), c.decoder(), c.weights());
        Path modelDir = TinyModels.modelDir("v1-tiny", "weights.pth", wider, dir);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SeedTokenizer.load(modelDir));
        assertTrue(e.getMessage().contains("intermediate_query.dense.weight")
                && e.getMessage().contains("[96, 24]") && e.getMessage().contains("(48, 24)"), e.getMessage());
        assertEquals(e.getMessage().indexOf("weights.pth"), e.getMessage().lastIndexOf("weights.pth"),
                "the file is named once: " + e.getMessage());
    }
}
