package dev.seedj.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class's {@code main} in a fresh JVM with this JVM's class path: for a scenario that may abort the JVM, or
 * one that measures the process (its resident memory) and must not see what other tests of this JVM do meanwhile.
 *
 * <p>Stateless and thread-safe.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /**
     * What a child JVM did.
     *
     * @param exitCode its exit code
     * @param output its standard output and error, interleaved
     */
    public record Result(int exitCode, String output) {}

    /**
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return how it ended (within 120 s)
     * @throws AssertionError if it did not end within 120 s (it is killed)
     */
    public static Result run(Class<?> main, String... args) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-Dai.djl.offline=true",
                "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectErrorStream(true);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child JVM hung");
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
