package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {

    @Test
    void demoModelTokenizesTheOraclePhotosToTheReferenceCodes() {
        CliRun run = CliRun.of("tokenize", "--model", OracleCases.demoModel().toString(), Oracle.path("images").toString());
        assertEquals(0, run.status(), run.err());
        List<String> lines = run.outLines();
        assertEquals(4, lines.size(), run.out()); // cat_main.decoded.png, cat_main.jpg, cat_v1.jpg, dog3.jpg
        assertTrue(lines.get(0).startsWith(Oracle.path("images", "cat_main.decoded.png") + "\t"), lines.get(0));
        assertArrayEquals(OracleCases.photoCodes(1), codesOf(lines.get(0)), "cat_main.decoded.png");
        assertArrayEquals(OracleCases.photoCodes(1), codesOf(lines.get(1)), "cat_main.jpg");
        assertArrayEquals(OracleCases.photoCodes(0), codesOf(lines.get(2)), "cat_v1.jpg");
        assertArrayEquals(OracleCases.photoCodes(2), codesOf(lines.get(3)), "dog3.jpg");
    }

    @Test
    void withoutModelOptionTheBundledModelIsFoundFromTheModuleFolder() {
        CliRun run = CliRun.of("tokenize", Oracle.path("images", "dog3.jpg").toString());
        assertEquals(0, run.status(), run.err());
        int[] codes = codesOf(run.outLines().get(0));
        assertEquals(32, codes.length);
        assertTrue(Arrays.stream(codes).allMatch(c -> c >= 0 && c < 8192), Arrays.toString(codes));
    }

    @Test
    void theBundleRootIsAcceptedForItsTokenizer() {
        Path bundle = new DefaultModels(Path.of(""), java.util.Map.of()).tokenizer().getParent();
        String image = Oracle.path("images", "dog3.jpg").toString();
        CliRun viaRoot = CliRun.of("tokenize", "--model", bundle.toString(), image);
        assertEquals(0, viaRoot.status(), viaRoot.err());
        CliRun viaDir = CliRun.of("tokenize", "--model", bundle.resolve("tokenizer").toString(), image);
        assertEquals(viaDir.outLines(), viaRoot.outLines());
    }

    @Test
    void jsonLinesNameTheFileAndListTheCodes() {
        Path photo = Oracle.path("images", "dog3.jpg");
        CliRun run = CliRun.of("tokenize", "--json", "--model", OracleCases.demoModel().toString(), photo.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals(1, run.outLines().size());
        JsonObject line = JsonParser.parseString(run.outLines().get(0)).getAsJsonObject();
        assertEquals(photo.toString(), line.get("file").getAsString());
        int[] codes = new int[32];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = line.getAsJsonArray("codes").get(i).getAsInt();
        }
        assertEquals(32, line.getAsJsonArray("codes").size());
        assertArrayEquals(OracleCases.photoCodes(2), codes);
    }

    @Test
    void missingFileFailsWithOneLineNamingIt() {
        CliRun run = CliRun.of("tokenize", "--model", OracleCases.demoModel().toString(), "no-such-picture.jpg");
        assertEquals(SeedCli.EXIT_FAILURE, run.status());
        assertEquals(List.of("seed tokenize: no-such-picture.jpg: file not found"), run.errLines());
        assertEquals("", run.out());
    }

    @Test
    void unreadableImageFailsWithOneLineNamingIt(@TempDir Path dir) throws Exception {
        Path fake = Files.writeString(dir.resolve("notes.png"), "not a picture");
        CliRun run = CliRun.of("tokenize", "--model", OracleCases.demoModel().toString(), fake.toString());
        assertEquals(SeedCli.EXIT_FAILURE, run.status());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.errLines().get(0).startsWith("seed tokenize: ") && run.err().contains("notes.png"), run.err());
    }

    @Test
    void aBadInputDoesNotStopTheOthers(@TempDir Path dir) throws Exception {
        Path fake = Files.writeString(dir.resolve("notes.png"), "not a picture");
        String good = Oracle.path("images", "dog3.jpg").toString();
        String model = OracleCases.demoModel().toString();
        CliRun run = CliRun.of("tokenize", "--model", model, fake.toString(), good, "no-such-picture.jpg", good);
        assertEquals(SeedCli.EXIT_FAILURE, run.status(), "non-zero at the end");
        assertEquals(2, run.outLines().size(), run.out());
        assertTrue(run.outLines().stream().allMatch(l -> l.startsWith(good + "\t")), run.out());
        assertEquals(2, run.errLines().size(), run.err());
        assertTrue(run.errLines().get(0).contains("notes.png"), run.err());
        assertEquals("seed tokenize: no-such-picture.jpg: file not found", run.errLines().get(1));
        CliRun json = CliRun.of("tokenize", "--json", "--model", model, good, "no-such-picture.jpg");
        assertEquals(SeedCli.EXIT_FAILURE, json.status());
        assertEquals(2, json.outLines().size(), json.out());
        JsonObject error = JsonParser.parseString(json.outLines().get(1)).getAsJsonObject();
        assertEquals("no-such-picture.jpg", error.get("file").getAsString());
        assertEquals("no-such-picture.jpg: file not found", error.get("error").getAsString());
        assertTrue(JsonParser.parseString(json.outLines().get(0)).getAsJsonObject().has("codes"));
    }

    @Test
    void folderWithoutImagesIsRefused(@TempDir Path dir) {
        CliRun run = CliRun.of("tokenize", dir.toString());
        assertEquals(SeedCli.EXIT_FAILURE, run.status());
        assertTrue(run.err().contains("holds no image"), run.err());
    }

    @Test
    void missingModelDirectoryIsRefused() {
        CliRun run = CliRun.of("tokenize", "--model", "no-such-model", Oracle.path("images", "dog3.jpg").toString());
        assertEquals(SeedCli.EXIT_FAILURE, run.status());
        assertEquals(List.of("seed tokenize: model directory no-such-model does not exist"), run.errLines());
    }

    @Test
    void dtypeBfloat16TokenizesWithBfloat16MatricesAndInt8IsRefused() {
        String model = OracleCases.demoModel().toString();
        String photo = Oracle.path("images", "dog3.jpg").toString();
        CliRun run = CliRun.of("tokenize", "--dtype", "bfloat16", "--model", model, photo);
        assertEquals(0, run.status(), run.err());
        int[] codes = codesOf(run.outLines().get(0));
        int[] reference = OracleCases.photoCodes(2);
        int same = 0;
        for (int i = 0; i < codes.length; i++) {
            same += codes[i] == reference[i] ? 1 : 0;
        }
        assertTrue(same >= codes.length - 1, same + " of " + codes.length + " codes equal float32's");
        CliRun int8 = CliRun.of("tokenize", "--dtype", "int8", "--model", model, photo);
        assertEquals(SeedCli.EXIT_FAILURE, int8.status());
        assertEquals(List.of("seed tokenize: --dtype int8 is for the language model; the image tokenizer computes in"
                + " float32 or bfloat16"), int8.errLines());
        CliRun dynamic = CliRun.of("tokenize", "--dtype", "int8-dynamic", "--model", model, photo);
        assertEquals(List.of("seed tokenize: --dtype int8-dynamic is for the language model; the image tokenizer"
                + " computes in float32 or bfloat16"), dynamic.errLines());
        CliRun unknown = CliRun.of("tokenize", "--dtype", "float16", "--model", model, photo);
        assertEquals(SeedCli.EXIT_FAILURE, unknown.status());
        assertEquals(List.of("seed tokenize: --dtype float16: expected float32, bfloat16, int8 or int8-dynamic"),
                unknown.errLines());
    }

    static int[] codesOf(String textLine) {
        String[] parts = textLine.split("\t");
        assertEquals(2, parts.length, textLine);
        return Arrays.stream(parts[1].split(" ")).mapToInt(Integer::parseInt).toArray();
    }
}
