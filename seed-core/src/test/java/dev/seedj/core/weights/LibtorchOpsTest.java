package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import dev.seedj.core.testing.Oracle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, items 3 and 4: bfloat16 arrays are made inside libtorch without DJL's {@code toType(BFLOAT16)}, which
 * aborts the JVM, and the int8 kernels called through JNA give exact products. Each scenario runs in a child JVM, so that an abort fails this test instead of killing the test run.
 */
class LibtorchOpsTest {

    @Test
    void djlToTypeBfloat16AbortsTheJvm() throws Exception {
        // the trap this project avoids: if this ever stops aborting, DJL has fixed its dtype mapping
        Result child = runChild("djl-totype");
        assertNotEquals(0, child.exitCode, child.output);
        assertTrue(!child.output.contains("OK"), child.output);
    }

    @Test
    void ourBfloat16PathSurvivesWithExactValues() throws Exception {
        assumeTrue(LibtorchOps.available(), "Linux x86-64 only");
        Result child = runChild("ours", Oracle.path("formats", "pickle_conformance.pth").toString());
        assertEquals(0, child.exitCode, child.output);
        assertTrue(child.output.contains("OK"), child.output);
        // fbgemm's int8 product runs (and is exact on its grid) wherever the CPU has what fbgemm needs
        String flags = Files.readString(Path.of("/proc/cpuinfo"));
        boolean avx2 = flags.contains(" avx2") && flags.contains(" fma");
        assertEquals(avx2, LibtorchOps.fbgemmAvailable());
        assertEquals(avx2, child.output.contains("fbgemm int8 checked"), child.output);
    }

    private record Result(int exitCode, String output) {}

    private static Result runChild(String... mode) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-Dai.djl.offline=true",
                "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null", "-cp", System.getProperty("java.class.path"),
                Bfloat16Child.class.getName()));
        command.addAll(List.of(mode));
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
