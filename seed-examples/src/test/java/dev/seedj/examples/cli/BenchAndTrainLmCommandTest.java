package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.llm.LoraAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train-lm on the demo LLM; bench (the full benchmarks are tagged "benchmark", outside the default run). */
class BenchAndTrainLmCommandTest {

    @Test
    void trainLmTrainsALoraAdapterOnTheDemoLlm(@TempDir Path dir) throws Exception {
        Path llm = OracleCases.demoLlm();
        Path spec = Files.writeString(dir.resolve("spec.json"), "{\"model\": \"" + json(llm) + "\", "
                + "\"lora\": {\"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"q_proj\", \"v_proj\"]}, "
                + "\"training\": {\"learning_rate\": 1e-3, \"total_steps\": 2, \"batch_size\": 2, "
                + "\"checkpoint_every\": 0, \"output_dir\": \"" + json(dir.resolve("run")) + "\"}}");
        Path data = Files.write(dir.resolve("data.jsonl"), List.of(
                "{\"prompt_ids\": [2, 10, 11, 9192], \"target_ids\": [1005, 1006, 9193, 2]}",
                "{\"prompt_ids\": [2, 12], \"target_ids\": [13, 14, 2]}"));
        Path out = dir.resolve("adapter");
        CliRun run = CliRun.of("train-lm", "--config", spec.toString(), "--data", data.toString(), "--out",
                out.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals(List.of(out.toString()), run.outLines());
        try (LoraAdapter adapter = LoraAdapter.load(out)) {
            assertEquals(2, adapter.config().r());
            assertTrue(adapter.keys().stream().anyMatch(k -> k.endsWith("q_proj.lora_B.weight")), adapter.keys().toString());
        }
    }

    @Test
    void trainLmNamesAMissingSpec(@TempDir Path dir) {
        CliRun run = CliRun.of("train-lm", "--config", "nothing.json", "--data", dir.toString());
        assertEquals(SeedCli.EXIT_FAILURE, run.status());
        assertEquals(List.of("seed train-lm: spec file nothing.json does not exist"), run.errLines());
    }

    private static String json(Path path) {
        return path.toAbsolutePath().toString().replace("\\", "\\\\");
    }

    @Test
    void benchNeedsPositiveSeconds() {
        CliRun run = CliRun.of("bench", "llm", "--seconds", "0");
        assertEquals(SeedCli.EXIT_FAILURE, run.status());
        assertEquals(List.of("seed bench: --seconds must be positive, got 0.0"), run.errLines());
    }

    @Test
    @Tag("benchmark")
    void tokenizerBenchPrintsItsTable() {
        CliRun run = CliRun.of("bench", "tokenizer", "--seconds", "0.5");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("| measurement | value |"), run.out());
        assertTrue(run.out().contains("| encode, batch 8 |"), run.out());
    }

    @Test
    void unknownBenchIsRefused() {
        CliRun run = CliRun.of("bench", "gpu");
        assertEquals(SeedCli.EXIT_USAGE, run.status());
        assertEquals(1, run.errLines().size(), run.err());
    }
}
