package dev.seedj.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;

/**
 * A {@link Denoiser} that replays a reference run's recorded UNet calls: it checks that the sampler calls it with
 * the recorded input and timesteps (and context / class labels when given) and returns the recorded output.
 */
final class ReplayDenoiser implements Denoiser {
    private final StateDict expected;
    private final String prefix;
    private final String inputName;
    private final String timeName;
    private final String outputName;
    private final float[] context;
    private final float[] classLabels;
    private final double tolerance;
    private int calls;

    /**
     * @param expected the case's expected tensors
     * @param prefix e.g. {@code plms.call}
     * @param names the recorded input, timestep and output names, e.g. {@code x_in, t_in, model_out}
     * @param context the context each call must get, or null
     * @param classLabels the class labels each call must get, or null to require none
     * @param tolerance for the input
     */
    ReplayDenoiser(StateDict expected, String prefix, String[] names, float[] context, float[] classLabels,
            double tolerance) {
        this.expected = expected;
        this.prefix = prefix;
        this.inputName = names[0];
        this.timeName = names[1];
        this.outputName = names[2];
        this.context = context;
        this.classLabels = classLabels;
        this.tolerance = tolerance;
    }

    @Override
    public NDArray predict(NDArray x, NDArray t, NDArray ctx, NDArray labels, NDManager manager) {
        String call = prefix + calls + ".";
        assertTrue(expected.contains(call + outputName), "unexpected extra denoiser call " + calls);
        try (NDManager scratch = NDManager.newBaseManager()) {
            NDArray xIn = expected.get(call + inputName, scratch);
            Oracle.assertClose(call + inputName, xIn, x, tolerance);
            long[] recordedT = expected.get(call + timeName, scratch).toLongArray();
            long[] actualT = t.toLongArray();
            assertEquals(x.getShape().get(0), actualT.length, call + "one timestep per row");
            for (long v : actualT) {
                assertEquals(recordedT[0], v, call + timeName);
            }
            if (recordedT.length == actualT.length) {
                assertArrayEquals(recordedT, actualT, call + timeName);
            }
        }
        if (context != null) {
            Oracle.assertClose(call + "context", context, ctx.toFloatArray(), 0);
        }
        if (classLabels == null) {
            assertEquals(null, labels, call + "class labels");
        } else {
            Oracle.assertClose(call + "class labels", classLabels, labels.toFloatArray(), 1e-6);
        }
        calls++;
        return expected.get(call + outputName, manager);
    }

    /** @return how many calls were replayed */
    int calls() {
        return calls;
    }
}
