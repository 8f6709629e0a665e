package dev.seedj.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The timestep spacing of every sampler for step counts other than the fixtures', against the references'
 * formulas (expected lists computed with numpy as the references do).
 */
class TimestepsTest {
    private static final NoiseSchedule SD = NoiseSchedule.diffusers("scaled_linear", 0.00085, 0.012, 1000);
    private static final SchedulerConfig LEADING = new SchedulerConfig(SD, PredictionType.EPSILON,
            TimestepSpacing.LEADING, 1, false);

    @Test
    void compVisUniformFollowsMakeDdimTimestepsForEveryValidStepCount() {
        for (int s = 1; s <= 500; s++) {
            int stride = 1000 / s;
            int count = 0;
            for (int v = 0; v < 1000; v += stride) {
                count++;
            }
            int last = (count - 1) * stride + 1;
            if (last >= 1000) {
                final int steps = s;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Timesteps.compVisUniform(steps, 1000));
                assertEquals(true, e.getMessage().contains("reaches timestep 1000"), e.getMessage());
                continue;
            }
            int[] ts = Timesteps.compVisUniform(s, 1000);
            assertEquals(count, ts.length, "S=" + s);
            for (int i = 0; i < ts.length; i++) {
                assertEquals(i * stride + 1, ts[i], "S=" + s + " i=" + i);
            }
        }
    }

    @Test
    void compVisRunsMoreStepsThanAskedForSomeCounts() {
        assertArrayEquals(new int[] {1, 143, 285, 427, 569, 711, 853, 995}, Timesteps.compVisUniform(7, 1000));
        assertEquals(50, Timesteps.compVisUniform(50, 1000).length);
        assertEquals(981, Timesteps.compVisUniform(50, 1000)[49]);
        assertEquals(1, Timesteps.compVisUniform(1, 1000).length);
        // S = 3: range(0, 1000, 333) + 1 ends at 1000, where the reference fails with an index error
        assertThrows(IllegalArgumentException.class, () -> Timesteps.compVisUniform(3, 1000));
        assertThrows(IllegalArgumentException.class, () -> Timesteps.compVisUniform(0, 1000));
        assertThrows(IllegalArgumentException.class, () -> Timesteps.compVisUniform(501, 1000));
        int[] plms7 = DiffusionSampling.steps(Sampler.PLMS, 7, SchedulerConfig.compVis(SD, PredictionType.EPSILON));
        assertArrayEquals(new int[] {995, 853, 711, 569, 427, 285, 143, 1}, plms7);
        assertEquals(9, DiffusionSampling.denoiserCalls(Sampler.PLMS, 7, LEADING));
        assertEquals(8, DiffusionSampling.denoiserCalls(Sampler.DDIM, 7, LEADING));
    }

    @Test
    void pndmLeadingRepeatsTheFirstTimestep() {
        int[] ts = Timesteps.pndm(20, LEADING);
        assertEquals(21, ts.length);
        assertArrayEquals(new int[] {951, 901, 901, 851, 801}, java.util.Arrays.copyOf(ts, 5));
        assertEquals(1, ts[20]);
        assertArrayEquals(new int[] {853, 711, 711, 569, 427, 285, 143, 1}, Timesteps.pndm(7, LEADING));
        assertArrayEquals(new int[] {1}, Timesteps.pndm(1, LEADING));
        assertArrayEquals(new int[] {501, 1, 1}, Timesteps.pndm(2, LEADING));
        assertThrows(IllegalArgumentException.class, () -> Timesteps.pndm(0, LEADING));
        assertThrows(IllegalArgumentException.class, () -> Timesteps.pndm(1000, LEADING)); // 999 + 1 = 1000
    }

    @Test
    void pndmOtherSpacings() {
        SchedulerConfig linspace = new SchedulerConfig(SD, PredictionType.EPSILON, TimestepSpacing.LINSPACE, 0, false);
        SchedulerConfig trailing = new SchedulerConfig(SD, PredictionType.EPSILON, TimestepSpacing.TRAILING, 0, false);
        assertArrayEquals(new int[] {0, 166, 333, 500, 666, 832, 999}, Timesteps.spaced(7, linspace));
        assertArrayEquals(new int[] {142, 285, 428, 570, 713, 856, 999}, Timesteps.spaced(7, trailing));
        assertArrayEquals(new int[] {0, 83, 166, 250, 333, 416, 500, 583, 666, 749, 832, 916, 999},
                Timesteps.spaced(13, linspace));
        assertArrayEquals(new int[] {76, 153, 230, 307, 384, 461, 537, 614, 691, 768, 845, 922, 999},
                Timesteps.spaced(13, trailing));
        assertArrayEquals(new int[] {999, 832, 832, 666, 500, 333, 166, 0}, Timesteps.pndm(7, linspace));
    }

    @Test
    void dpmSolverSpacings() {
        SchedulerConfig linspace = new SchedulerConfig(SD, PredictionType.EPSILON, TimestepSpacing.LINSPACE, 0, false);
        SchedulerConfig trailing = new SchedulerConfig(SD, PredictionType.EPSILON, TimestepSpacing.TRAILING, 0, false);
        assertArrayEquals(new int[] {941, 894, 847, 800, 753, 706, 659, 612, 565, 518, 471, 424, 377, 330, 283, 236, 189,
                142, 95, 48}, Timesteps.dpmSolver(20, LEADING));
        assertArrayEquals(new int[] {876, 751, 626, 501, 376, 251, 126}, Timesteps.dpmSolver(7, LEADING));
        assertArrayEquals(new int[] {999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200,
                150, 100, 50}, Timesteps.dpmSolver(20, linspace));
        assertArrayEquals(new int[] {999, 922, 845, 768, 692, 615, 538, 461, 384, 307, 231, 154, 77},
                Timesteps.dpmSolver(13, linspace));
        assertArrayEquals(new int[] {999, 856, 713, 570, 428, 285, 142}, Timesteps.dpmSolver(7, trailing));
        assertArrayEquals(new int[] {999, 922, 845, 768, 691, 614, 537, 461, 384, 307, 230, 153, 76},
                Timesteps.dpmSolver(13, trailing));
        assertEquals(999, Timesteps.dpmSolver(1000, linspace).length); // one duplicate removed, as np.unique does
        assertEquals(500, Timesteps.dpmSolver(500, linspace).length);
    }
}
