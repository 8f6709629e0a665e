package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import dev.seedj.core.testing.ChildJvm;
import dev.seedj.core.testing.Oracle;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, items 3 and 4: bfloat16 arrays are made inside libtorch without DJL's {@code toType(BFLOAT16)}, which
 * aborts the JVM, and the int8 kernels called through JNA give exact products. Each scenario runs in a child JVM, so that an abort fails this test instead of killing the test run.
 */
class LibtorchOpsTest {

    @Test
    void djlToTypeBfloat16AbortsTheJvm() throws Exception {
        // the trap this project avoids: if this ever stops aborting, DJL has fixed its dtype mapping
        ChildJvm.Result child = runChild("djl-totype");
        assertNotEquals(0, child.exitCode(), child.output());
        assertTrue(!child.output().contains("OK"), child.output());
    }

    @Test
    void ourBfloat16PathSurvivesWithExactValues() throws Exception {
        assumeTrue(LibtorchOps.available(), "Linux x86-64 only");
        ChildJvm.Result child = runChild("ours", Oracle.path("formats", "pickle_conformance.pth").toString());
        assertEquals(0, child.exitCode(), child.output());
        assertTrue(child.output().contains("OK"), child.output());
        // fbgemm's int8 product runs (and is exact on its grid) wherever the CPU has what fbgemm needs
        String flags = Files.readString(Path.of("/proc/cpuinfo"));
        boolean avx2 = flags.contains(" avx2") && flags.contains(" fma");
        assertEquals(avx2, LibtorchOps.fbgemmAvailable());
        assertEquals(avx2, child.output().contains("fbgemm int8 checked"), child.output());
    }

    private static ChildJvm.Result runChild(String... mode) throws IOException, InterruptedException {
        return ChildJvm.run(Bfloat16Child.class, mode);
    }
}
