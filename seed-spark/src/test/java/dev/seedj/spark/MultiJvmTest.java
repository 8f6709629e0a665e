package dev.seedj.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.tokenizer.SeedTokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenize job on Spark's {@code local-cluster[2,1,1024]}: a master and two workers in this JVM, each worker
 * starting one executor JVM, all on 127.0.0.1. The job, its chunks and the Hadoop configuration are serialized to
 * the executors, and each executor JVM copies the model from a (remote-like) Hadoop file system to its local disk
 * and loads the tokenizer exactly once.
 */
class MultiJvmTest {
    @TempDir
    Path tmp;

    @Test
    void twoExecutorJvmsEachLoadTheModelOnceAndAgreeWithThePlainApi() throws IOException {
        String sparkHome = System.getenv("SPARK_HOME");
        assertNotNull(sparkHome, "the surefire configuration sets SPARK_HOME");
        Files.createDirectories(Path.of(sparkHome, "jars"));
        TestCorpus corpus = new TestCorpus(tmp.resolve("corpus")).imageDirectory(18);
        Path output = tmp.resolve("tokens");
        SparkSession spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("seedj-multi-jvm")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", "640m")
                .config("spark.hadoop.fs." + RemoteLikeFileSystem.SCHEME + ".impl", RemoteLikeFileSystem.class.getName())
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1"
                        + " -Dai.djl.pytorch.num_interop_threads=1")
                .getOrCreate();
        try {
            // the model comes from a "remote" file system: each executor copies it to its local disk once
            String remoteModel = RemoteLikeFileSystem.SCHEME + "://" + TokenizeJobTest.MODEL.toAbsolutePath().normalize();
            TokenizeSummary summary = TokenizeJob.fromArgs("--model", remoteModel,
                    "--images", corpus.root.resolve("images").toString(), "--output", output.toString(),
                    "--chunk-size", "3", "--batch-size", "2")
                    .progressTo(new PrintStream(OutputStream.nullOutputStream()))
                    .run(spark);
            assertEquals(corpus.expected.size(), summary.rows());

            Map<Long, List<ChunkResult>> byJvm = summary.results().stream()
                    .collect(Collectors.groupingBy(ChunkResult::executorPid));
            assertEquals(2, byJvm.size(), "chunks ran in " + byJvm.keySet());
            assertFalse(byJvm.containsKey(ProcessHandle.current().pid()), "no chunk ran in the driver JVM");
            summary.results().forEach(r -> assertEquals(1, r.modelLoads(), "executor " + r.executorPid()
                    + " loaded the tokenizer " + r.modelLoads() + " times"));

            Map<String, Row> rows = new TreeMap<>();
            spark.read().parquet(output.toString()).collectAsList()
                    .forEach(r -> rows.put(corpus.name(r.getAs("source")), r));
            assertEquals(corpus.expected.keySet(), rows.keySet());
            try (SeedTokenizer tokenizer = SeedTokenizer.load(TokenizeJobTest.MODEL)) {
                for (var e : corpus.expected.entrySet()) {
                    Row row = rows.get(e.getKey());
                    if (e.getValue().bad()) {
                        assertEquals("error", row.getAs("status"), e.getKey());
                        continue;
                    }
                    int[] codes = row.getList(row.fieldIndex("codes")).stream().mapToInt(c -> (Integer) c).toArray();
                    assertArrayEquals(tokenizer.tokenize(ImagePreprocessor.decode(e.getValue().bytes())), codes,
                            e.getKey());
                }
            }
            assertEquals(Set.of("ok", "error"), rows.values().stream().map(r -> (String) r.getAs("status"))
                    .collect(Collectors.toSet()));
        } finally {
            spark.stop();
        }
    }
}
