package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LossTermsTest {

    @Test
    void totalSumsOnlyTheOptimisedTerms() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LossTerms terms = new LossTerms()
                    .add("vq", manager.create(0.5f))
                    .add("recon", manager.create(new float[] {0.25f}))
                    .monitor("vq_raw", manager.create(0.1f));
            assertEquals(new Shape(), terms.total(manager).getShape());
            assertEquals(0.75f, terms.total(manager).getFloat(), 0f);
            Map<String, Double> values = terms.values();
            assertEquals(List.of("total", "vq", "recon", "vq_raw"), List.copyOf(values.keySet()));
            assertEquals(0.75, values.get("total"), 1e-7);
            assertEquals(0.1, values.get("vq_raw"), 1e-7);
        }
    }

    @Test
    void rejectsBadTerms() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LossTerms terms = new LossTerms().add("a", manager.create(1f));
            assertThrows(IllegalArgumentException.class, () -> terms.add("a", manager.create(1f)));
            assertThrows(IllegalArgumentException.class, () -> terms.monitor("total", manager.create(1f)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> terms.add("b", manager.create(new float[] {1f, 2f})));
            assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("scalar"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> terms.add("c", manager.create(1L)));
            assertThrows(IllegalStateException.class, () -> new LossTerms().total(manager));
        }
    }
}
