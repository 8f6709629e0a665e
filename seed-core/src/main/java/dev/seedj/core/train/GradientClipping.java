package dev.seedj.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Global-norm gradient clipping with the semantics of {@code torch.nn.utils.clip_grad_norm_} (2-norm): the
 * total norm is the 2-norm of the per-tensor 2-norms (float32), and every gradient is multiplied in place by
 * {@code min(1, maxNorm / (total + 1e-6))}, evaluated in float32 in PyTorch's order.
 *
 * <p>Stateless and thread-safe; the gradients passed in must not be used concurrently.
 */
public final class GradientClipping {
    /** Added to the total norm before dividing, as in PyTorch. */
    public static final double EPS = 1e-6;

    private GradientClipping() {}

    /**
     * Scales the gradients in place so that their global 2-norm is at most {@code maxNorm}.
     *
     * @param gradients the gradients (absent gradients left out); may be empty
     * @param maxNorm the largest allowed global norm, &gt; 0
     * @return the global norm before clipping (0 for no gradients; may be NaN or infinite)
     */
    public static double clipGlobalNorm(List<NDArray> gradients, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("max gradient norm must be > 0, got " + maxNorm);
        }
        return apply(gradients, maxNorm);
    }

    /**
     * @param gradients the gradients; may be empty
     * @return their global 2-norm, computed as {@link #clipGlobalNorm} does, without changing them
     */
    public static double globalNorm(List<NDArray> gradients) {
        return apply(gradients, Double.NaN);
    }

    private static double apply(List<NDArray> gradients, double maxNorm) {
        if (gradients.isEmpty()) {
            return 0.0;
        }
        return Gradients.withoutGrad(() -> {
            try (NDManager scope = gradients.get(0).getManager().newSubManager()) {
                NDList norms = new NDList(gradients.size());
                for (NDArray g : gradients) {
                    NDArray norm = g.norm(); // [] : ||g||_2 over all elements
                    norm.attach(scope);
                    norms.add(norm);
                }
                NDArray total = NDArrays.stack(norms).norm(); // []
                if (!Double.isNaN(maxNorm)) {
                    // PyTorch: max_norm / (total + eps) evaluates as reciprocal(total + eps) * max_norm
                    NDArray coef = scope.create(1f).div(total.add((float) EPS)).mul((float) maxNorm).minimum(1f);
                    for (NDArray g : gradients) {
                        g.muli(coef);
                    }
                }
                return (double) total.getFloat();
            }
        });
    }
}
