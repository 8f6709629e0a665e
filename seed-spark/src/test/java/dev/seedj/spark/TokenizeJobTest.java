package dev.seedj.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.tokenizer.SeedTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenize job on {@code local[2]} over a generated corpus with bad inputs of every kind. */
class TokenizeJobTest {
    static final Path MODEL = Path.of(System.getProperty("seedj.models", "../models"), "seed-mini", "tokenizer");

    @TempDir
    static Path tmp;

    static SparkSession spark;
    static TestCorpus corpus;
    static Path output;
    static TokenizeSummary first;
    static String firstProgress;

    @BeforeAll
    static void tokenizeOnce() {
        corpus = new TestCorpus(tmp.resolve("corpus")).imageDirectory(60).tarShards(40).manifest(12);
        output = tmp.resolve("tokens");
        spark = SparkSession.builder().master("local[2]").appName("seedj-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        first = job("--mode", "resume").progressTo(new PrintStream(progress, true, StandardCharsets.UTF_8)).run(spark);
        firstProgress = progress.toString(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static TokenizeJob job(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--model", MODEL.toString(),
                "--images", corpus.root.resolve("images").toString(),
                "--tars", corpus.root.resolve("shards").toString(),
                "--manifest", corpus.root.resolve("manifest-images/manifest.jsonl").toString(),
                "--output", output.toString(),
                "--chunk-size", "16", "--batch-size", "8"));
        args.addAll(List.of(extra));
        return TokenizeJob.fromArgs(args.toArray(String[]::new));
    }

    static Map<String, Row> table() {
        Map<String, Row> rows = new TreeMap<>();
        for (Row r : spark.read().parquet(output.toString()).collectAsList()) {
            Row previous = rows.put(corpus.name(r.getAs("source")), r);
            assertNull(previous, "two rows for " + r.getAs("source"));
        }
        return rows;
    }

    @Test
    void everyInputIsOneRowWithTheCodesOfThePlainApi() {
        Map<String, Row> rows = table();
        assertEquals(corpus.expected.keySet(), rows.keySet());
        assertEquals(corpus.expected.size(), first.rows());
        int ok = 0;
        try (SeedTokenizer tokenizer = SeedTokenizer.load(MODEL)) {
            for (var e : corpus.expected.entrySet()) {
                Row row = rows.get(e.getKey());
                TestCorpus.Expected want = e.getValue();
                assertEquals(want.caption(), row.getAs("caption"), e.getKey());
                if (want.bytes() != null) {
                    assertEquals(sha256(want.bytes()), row.getAs("image_id"), e.getKey());
                }
                if (want.bad()) {
                    assertEquals("error", row.getAs("status"), e.getKey());
                    assertNotNull(row.getAs("error"), e.getKey());
                    assertTrue(row.isNullAt(row.fieldIndex("codes")), e.getKey());
                    continue;
                }
                assertEquals("ok", row.getAs("status"), e.getKey() + ": " + row.getAs("error"));
                assertNull(row.getAs("error"));
                var image = ImagePreprocessor.decode(want.bytes());
                assertEquals(image.getWidth(), (int) row.getAs("width"));
                assertEquals(image.getHeight(), (int) row.getAs("height"));
                List<Integer> codes = row.getList(row.fieldIndex("codes"));
                assertEquals(32, codes.size());
                assertArrayEquals(tokenizer.tokenize(image), codes.stream().mapToInt(Integer::intValue).toArray(),
                        e.getKey());
                ok++;
            }
        }
        assertEquals(60 + 41 + 12, ok);
        assertEquals(corpus.expected.size() - ok, first.errors());
        assertTrue(firstProgress.contains("images/s"), firstProgress);
    }

    @Test
    void badInputsSayWhatIsWrong() {
        Map<String, Row> rows = table();
        assertTrue(rows.get("images/bad/empty.png").<String>getAs("error").contains("empty"),
                rows.get("images/bad/empty.png").<String>getAs("error"));
        assertTrue(rows.get("shards/shard-000.tar#lonely").<String>getAs("error").contains("no image member"));
        assertTrue(rows.get("shards/nested/shard-001.tar#s1-1.png").<String>getAs("error").contains("truncated"));
        assertTrue(rows.get("shards/shard-002.tar").<String>getAs("error").contains("no sample"));
        assertTrue(rows.get("manifest-images/missing.png").<String>getAs("error").contains("cannot read the file"));
        assertTrue(rows.get("images/bad/notes.txt").<String>getAs("error").startsWith("cannot decode the image"));
    }

    @Test
    void everyFileCarriesTheModelMetadata() throws IOException {
        List<Path> parts = parts();
        assertEquals(first.chunks(), parts.size());
        String weights = sha256(Files.readAllBytes(MODEL.resolve("model.safetensors")));
        String config = sha256(Files.readAllBytes(MODEL.resolve("seed-tokenizer.json")));
        for (Path part : parts) {
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                    new org.apache.hadoop.fs.Path(part.toUri()), new Configuration()))) {
                Map<String, String> meta = reader.getFooter().getFileMetaData().getKeyValueMetaData();
                assertEquals("v2", meta.get(ModelInfo.TOKENIZER_VERSION));
                assertEquals("256", meta.get(ModelInfo.CODEBOOK_SIZE));
                assertEquals("32", meta.get(ModelInfo.NUM_CODES));
                assertEquals(weights, meta.get(ModelInfo.SHA256_PREFIX + "model.safetensors"));
                assertEquals(config, meta.get(ModelInfo.SHA256_PREFIX + "seed-tokenizer.json"));
                assertEquals(ModelInfo.seedjVersion(), meta.get(ModelInfo.SEEDJ_VERSION));
                assertTrue(meta.get(ModelInfo.SEEDJ_VERSION).matches("\\d+\\.\\d+\\.\\d+.*"));
                assertEquals("ZSTD", reader.getFooter().getBlocks().get(0).getColumns().get(0).getCodec().name());
            }
        }
    }

    @Test
    void rerunsLeaveTheSameTable() throws IOException {
        Map<String, Row> before = table();
        Map<Path, byte[]> files = new TreeMap<>();
        for (Path p : parts()) {
            files.put(p, Files.readAllBytes(p));
        }
        TokenizeSummary resumed = job().run(spark);
        assertEquals(first.chunks(), resumed.skipped());
        assertEquals(0, resumed.rows());
        assertEquals(before, table());

        // a rerun from scratch (as a retried task does for its chunk) writes byte-identical files
        TokenizeSummary again = job("--mode", "overwrite").run(spark);
        assertEquals(0, again.skipped());
        assertEquals(corpus.expected.size(), again.rows());
        Map<Path, byte[]> rewritten = new TreeMap<>();
        for (Path p : parts()) {
            rewritten.put(p, Files.readAllBytes(p));
        }
        assertEquals(files.keySet(), rewritten.keySet());
        files.forEach((p, bytes) -> assertArrayEquals(bytes, rewritten.get(p), p.toString()));
        assertEquals(before, table());
        Set<Long> pids = new HashSet<>();
        again.results().forEach(r -> pids.add(r.executorPid()));
        assertEquals(Set.of(ProcessHandle.current().pid()), pids);
        again.results().forEach(r -> assertEquals(1, r.modelLoads(), "one tokenizer per JVM, however many tasks"));
    }

    @Test
    void sequencesAreTheSeedOptTemplatesById() {
        Path llm = MODEL.resolveSibling("llm");
        Path sequences = tmp.resolve("sequences");
        long written = SequencesJob.fromArgs("--tokens", output.toString(), "--llm", llm.toString(),
                "--output", sequences.toString()).run(spark);
        Map<String, Row> tokens = table();
        long withCaption = tokens.values().stream()
                .filter(r -> "ok".equals(r.getAs("status")) && r.getAs("caption") != null).count();
        assertEquals(2 * withCaption, written);
        assertTrue(withCaption >= 50, "captioned images: " + withCaption);
        try (TextTokenizer text = TextTokenizer.load(llm, 256)) {
            PromptTemplates templates = PromptTemplates.load(llm);
            Vocabulary vocabulary = text.imageVocabulary();
            for (Row s : spark.read().parquet(sequences.toString()).collectAsList()) {
                Row t = tokens.get(corpus.name(s.getAs("source")));
                int[] codes = t.getList(t.fieldIndex("codes")).stream().mapToInt(c -> (Integer) c).toArray();
                String caption = t.getAs("caption");
                // the same sequence through the text form, as SeedOpt's prompts and SEED-mini's training data
                // tokenize it (image token strings allowed, as for trusted template text): the by-id build must give
                // identical ids
                long[] prompt;
                long[] target;
                if (s.getAs("task").equals("caption")) {
                    prompt = concat(new long[] {text.bosId()}, text.encode(templates.captionPrompt(codes), text.specialTokens()));
                    target = concat(text.encode(caption), new long[] {2});
                } else {
                    assertEquals("generation", s.getAs("task"));
                    prompt = concat(new long[] {text.bosId()}, text.encode(templates.imageGenerationPrompt(caption), text.specialTokens()));
                    target = concat(text.encode(Vocabulary.imageText(codes).substring(Vocabulary.BOI.length()), text.specialTokens()),
                            new long[] {2});
                    assertEquals(vocabulary.boiId(), prompt[prompt.length - 1]);
                }
                long[] ids = concat(prompt, target);
                long[] labels = ids.clone();
                Arrays.fill(labels, 0, prompt.length, -100);
                assertArrayEquals(ids, longs(s.getList(s.fieldIndex("input_ids"))), caption);
                assertArrayEquals(labels, longs(s.getList(s.fieldIndex("labels"))), caption);
                assertEquals(t.<String>getAs("image_id"), s.getAs("image_id"));
            }
        }
    }

    static long[] longs(List<Integer> ints) {
        return ints.stream().mapToLong(Integer::longValue).toArray();
    }

    static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static List<Path> parts() throws IOException {
        try (Stream<Path> s = Files.list(output)) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(Chunk.sha256().digest(bytes));
    }
}
