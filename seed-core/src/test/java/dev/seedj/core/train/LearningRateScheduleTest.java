package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void warmsUpLinearlyThenDecaysByCosineToTheMinimum() {
        WarmupCosineSchedule s = new WarmupCosineSchedule(1e-4, 1e-5, 1e-6, 10, 110);
        assertEquals(1e-6, s.learningRate(0), 1e-18);
        assertEquals(1e-6 + (1e-4 - 1e-6) * 5 / 10, s.learningRate(5), 1e-18);
        assertEquals(1e-4, s.learningRate(10), 1e-18); // end of warm-up: the peak
        assertEquals(1e-5 + (1e-4 - 1e-5) * 0.5, s.learningRate(60), 1e-18); // half-way: cos(pi/2) = 0
        assertEquals(1e-5 + (1e-4 - 1e-5) * 0.5 * (1 + Math.cos(Math.PI * 0.25)), s.learningRate(35), 1e-18);
        assertEquals(1e-5, s.learningRate(110), 1e-18);
        assertEquals(1e-5, s.learningRate(500), 1e-18); // past the end: stays at the minimum
        for (long t = 11; t < 110; t++) {
            assertTrue(s.learningRate(t) < s.learningRate(t - 1), "decreasing at " + t);
        }
    }

    @Test
    void constantScheduleHoldsAfterWarmup() {
        WarmupConstantSchedule s = new WarmupConstantSchedule(2e-4, 0, 4);
        assertEquals(0, s.learningRate(0), 0);
        assertEquals(1e-4, s.learningRate(2), 1e-18);
        assertEquals(2e-4, s.learningRate(4), 0);
        assertEquals(2e-4, s.learningRate(1000), 0);
        assertEquals(3e-4, WarmupConstantSchedule.constant(3e-4).learningRate(0), 0);
    }

    @Test
    void rejectsInconsistentSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WarmupCosineSchedule(1e-4, 2e-4, 0, 0, 10));
        assertTrue(e.getMessage().contains("min learning rate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(1e-4, 0, 0, 20, 10));
        assertThrows(IllegalArgumentException.class, () -> new WarmupConstantSchedule(0, 0, 0));
    }
}
