package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.GraphConstants;

/**
 * The loss functions of SEED's tokenizer training, as the reference computes them (all means over every element).
 *
 * <p>Stateless and thread-safe.
 */
public final class TokenizerLosses {
    private TokenizerLosses() {}

    /**
     * {@code calculate_rec_loss}: {@code mean(1 - <t/|t|, r/|r|>)} over the tokens, with no epsilon.
     *
     * @param reconstruction [B, Q, H]
     * @param target [B, Q, H], not differentiated
     * @return [] scalar
     */
    public static NDArray reconstruction(NDArray reconstruction, NDArray target) {
        NDArray t = target.div(target.square().sum(new int[] {-1}, true).sqrt());
        NDArray r = reconstruction.div(reconstruction.square().sum(new int[] {-1}, true).sqrt());
        return t.mul(r).sum(new int[] {-1}).neg().add(1f).mean(); // []
    }

    /**
     * {@code nn.MSELoss()}: mean of the squared differences.
     *
     * @param prediction any shape
     * @param target the same number of elements
     * @return [] scalar
     */
    public static NDArray mse(NDArray prediction, NDArray target) {
        return prediction.sub(target.reshape(prediction.getShape())).square().mean();
    }

    /**
     * The legacy {@code VectorQuantizer2} loss: {@code mean((sg[z_q] - z)^2) + beta * mean((z_q - sg[z])^2)}.
     *
     * @param z encoder outputs [..., D]
     * @param zq the chosen codebook rows [..., D]
     * @param beta weight of the codebook term
     * @return [] scalar
     */
    public static NDArray vectorQuantization(NDArray z, NDArray zq, double beta) {
        NDArray commitment = zq.stopGradient().sub(z).square().mean();
        NDArray codebook = zq.sub(z.stopGradient()).square().mean();
        return commitment.add(GraphConstants.times(codebook, beta));
    }

    /**
     * Cross-entropy with label smoothing (PyTorch {@code F.cross_entropy(logits, arange(B), label_smoothing=e)}):
     * {@code (1 - e) * -log p[i, i] + e * mean_k(-log p[i, k])}, averaged over the rows.
     *
     * @param logits [B, B], row i's target class is i
     * @param smoothing the label smoothing e
     * @return [] scalar
     */
    public static NDArray diagonalCrossEntropy(NDArray logits, double smoothing) {
        long n = logits.getShape().get(0);
        NDArray logp = logits.logSoftmax(1); // [B, C]
        NDArray eye = logits.getManager().eye((int) n); // [B, B]
        NDArray target = logp.mul(eye).sum(new int[] {1}); // [B]
        NDArray mean = logp.mean(new int[] {1}); // [B]
        return GraphConstants.times(target, 1 - smoothing).add(GraphConstants.times(mean, smoothing)).neg().mean();
    }
}
