package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SeedCliTest {
    private static final List<String> COMMANDS =
            List.of("tokenize", "detokenize", "caption", "ask", "imagine", "train-tokenizer", "train-lm", "bench");

    @Test
    void topLevelHelpListsEveryCommand() {
        CliRun run = CliRun.of("--help");
        assertEquals(0, run.status());
        for (String command : COMMANDS) {
            assertTrue(run.out().contains("  " + command + " "), command + " in\n" + run.out());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenize", "detokenize", "caption", "ask", "imagine", "train-tokenizer", "train-lm",
        "bench"})
    void everyCommandHasHelp(String command) {
        CliRun run = CliRun.of(command, "--help");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("Usage: seed " + command), run.out());
    }

    @Test
    void noCommandAndUnknownOptionsAreUsageErrorsOnOneLine() {
        CliRun none = CliRun.of();
        assertEquals(SeedCli.EXIT_USAGE, none.status());
        assertEquals(List.of("seed: missing command (see 'seed --help')"), none.errLines());
        CliRun unknown = CliRun.of("tokenize", "--colour", "x.jpg");
        assertEquals(SeedCli.EXIT_USAGE, unknown.status());
        assertEquals(List.of("seed tokenize: Unknown option: '--colour' (see 'seed tokenize --help')"),
                unknown.errLines());
        CliRun missingParameter = CliRun.of("tokenize");
        assertEquals(SeedCli.EXIT_USAGE, missingParameter.status());
        assertEquals(1, missingParameter.errLines().size(), missingParameter.err());
    }

    @Test
    void versionIsPrinted() {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.status());
        assertEquals(List.of("seed 0.1.0 (SEED-J)"), run.outLines());
    }
}
