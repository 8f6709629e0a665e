package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetokenizeCommandTest {
    private static final String DEMO = OracleCases.demoModel().toString();
    private static NDManager manager;
    private static float[] expectedCatMain; // the reference generation_embeds of cat_main [77, 768]

    @BeforeAll
    static void readReference() {
        manager = NDManager.newBaseManager();
        try (StateDict expected = StateDict.open(Oracle.path("v1-tiny", "expected.safetensors"))) {
            expectedCatMain = expected.get("photos.generation_embeds", manager).get(1).toFloatArray();
        }
    }

    @AfterAll
    static void free() {
        manager.close();
    }

    private static String catMainCodes() {
        return Codes.format(OracleCases.photoCodes(1));
    }

    @Test
    void writesTheReferenceEmbeddingsAsNpy(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("cat.npy");
        CliRun run = CliRun.of("detokenize", "--model", DEMO, catMainCodes(), "--out", out.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals(List.of(out + "\t77 x 768"), run.outLines());
        try (NDManager local = NDManager.newBaseManager()) {
            NDList list = NDList.decode(local, Files.readAllBytes(out)); // DJL's own .npy reader
            assertEquals(1, list.size());
            NDArray read = list.singletonOrThrow();
            assertEquals(new Shape(77, 768), read.getShape());
            assertEquals(DataType.FLOAT32, read.getDataType());
            Oracle.assertClose("npy", expectedCatMain, read.toFloatArray(), 1e-4);
        }
    }

    @Test
    void writesTheReferenceEmbeddingsAsSafetensors(@TempDir Path dir) {
        Path out = dir.resolve("cat.safetensors");
        // comma-separated codes, as JSON would have them
        CliRun run = CliRun.of("detokenize", "--model", DEMO, "--out", out.toString(), "[" + catMainCodes().replace(' ', ',') + "]");
        assertEquals(0, run.status(), run.err());
        try (StateDict written = StateDict.open(out); NDManager local = NDManager.newBaseManager()) {
            NDArray read = written.get(EmbeddingFiles.TENSOR_NAME, local);
            assertEquals(new Shape(77, 768), read.getShape());
            Oracle.assertClose("safetensors", expectedCatMain, read.toFloatArray(), 1e-4);
        }
    }

    @Test
    void badCodesFailWithOneLine(@TempDir Path dir) {
        String out = dir.resolve("x.npy").toString();
        assertRefused(CliRun.of("detokenize", "--model", DEMO, "--out", out, "12", "x7"), "bad code 'x7'");
        assertRefused(CliRun.of("detokenize", "--model", DEMO, "--out", out, "1 2 3"), "expected 32 codes per image, got 3");
        String outOfRange = catMainCodes().replaceFirst("^\\d+", "8192");
        assertRefused(CliRun.of("detokenize", "--model", DEMO, "--out", out, outOfRange), "code 8192 at index 0 is outside the codebook");
        assertRefused(CliRun.of("detokenize", "--model", DEMO, "--out", dir.resolve("x.txt").toString(), catMainCodes()),
                "must end in .npy or .safetensors");
        assertTrue(Files.notExists(dir.resolve("x.npy")));
    }

    @Test
    void pngNeedsAPixelDecoder(@TempDir Path dir) {
        CliRun run = CliRun.of("detokenize", "--model", DEMO, "--out", dir.resolve("x.npy").toString(), "--png",
                dir.resolve("x.png").toString(), catMainCodes());
        assertRefused(run, "has no pixel decoder");
    }

    @Test
    void pngGoesThroughTheModelsPixelDecoder(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Path demo = OracleCases.demoModel();
        for (String file : new String[] {"seed-tokenizer.json", "weights.safetensors"}) {
            Files.copy(demo.resolve(file), model.resolve(file));
        }
        Files.writeString(model.resolve(MarkerPictureDecoderProvider.MARKER), "");
        Path png = dir.resolve("cat.png");
        CliRun run = CliRun.of("detokenize", "--model", model.toString(), "--out", dir.resolve("cat.npy").toString(),
                "--png", png.toString(), catMainCodes());
        assertEquals(0, run.status(), run.err());
        BufferedImage picture = ImageIO.read(png.toFile());
        assertEquals(77, picture.getWidth());
        for (int t = 0; t < 77; t++) {
            int grey = 100 + 100 * (int) Math.signum(expectedCatMain[t * 768]);
            assertEquals(grey, picture.getRGB(t, 0) & 0xff, "pixel " + t);
        }
        // a picture alone is a valid request
        Path alone = dir.resolve("alone.png");
        CliRun pngOnly = CliRun.of("detokenize", "--model", model.toString(), "--png", alone.toString(), catMainCodes());
        assertEquals(0, pngOnly.status(), pngOnly.err());
        assertEquals(List.of(alone.toString()), pngOnly.outLines());
        assertEquals(77, ImageIO.read(alone.toFile()).getWidth());
    }

    @Test
    void tokenizerCommandsListOnlyTheOptionsTheyUse() {
        for (String command : new String[] {"tokenize", "detokenize"}) {
            CliRun help = CliRun.of(command, "--help");
            assertEquals(0, help.status());
            assertTrue(help.out().contains("--model"), help.out());
            assertFalse(help.out().contains("--llm") || help.out().contains("--adapter"), help.out());
        }
    }

    @Test
    void missingOutIsAUsageError() {
        CliRun run = CliRun.of("detokenize", "--model", DEMO, catMainCodes());
        assertEquals(SeedCli.EXIT_USAGE, run.status());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().contains("--out"), run.err());
    }

    static void assertRefused(CliRun run, String expectedPart) {
        assertEquals(SeedCli.EXIT_FAILURE, run.status(), run.out());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().contains(expectedPart), run.err());
    }
}
