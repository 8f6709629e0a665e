package dev.seedj.llm;

import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.KernelMatrix;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.nn.MultiHeadAttention;
import dev.seedj.core.nn.RowAttention;
import java.util.ArrayList;
import java.util.List;

/**
 * One decoding step of a one-sequence batch computed in Java: the new token's hidden row goes through the decoder
 * as a Java array, each matrix product by {@link MatVec}'s kernel ({@link KernelMatrix}), the layer norms, the
 * attention over the {@link KvCache} ({@link RowAttention}), ReLU and the residual sums in plain Java. It computes
 * what {@link OptDecoder#forward} computes for that step, up to float rounding (sums in another order), without the
 * ~30 libtorch operations per layer that decoding otherwise calls between the products: at OPT-125m they took about a
 * sixth of a float32 step, and more of a bfloat16 or int8 one, whose products are faster (docs/benchmarks.md).
 *
 * <p>It applies ({@link #prepare} returns a step) on the CPU with the Vector API kernel available, outside autograd,
 * when every decoder matrix is one the kernel reads (float32, bfloat16 or weight-only int8; not fbgemm's dynamic int8
 * or an unmerged LoRA layer), the activation is ReLU (every released OPT), and the cache holds one float32 row
 * ({@link KvCache#appendsRows()}, i.e. after the prompt); {@link DecodeThreads#javaSteps()} tells whether Java steps
 * are on ({@code -Dseedj.decode.step=libtorch} turns them off).
 *
 * <p>A step lives for one call: made, run and dropped within one {@link OptModel#nextLogits}; it reads the weights
 * through the views the layers keep ({@link Linear#kernelMatrix()}). Not thread-safe; steps of different generations
 * may run concurrently, each with its own cache.
 */
final class OptDecodeStep {
    private final OptDecoder decoder;
    private final boolean layerNormBefore;
    private final KernelMatrix projectIn;
    private final KernelMatrix projectOut;
    private final List<LayerStep> layers;

    /** One decoder layer's matrices, with its attention and layer norms. */
    private record LayerStep(MultiHeadAttention attention, KernelMatrix q, KernelMatrix k, KernelMatrix v,
            KernelMatrix out, LayerNorm selfAttnLayerNorm, KernelMatrix fc1, KernelMatrix fc2,
            LayerNorm finalLayerNorm) {}

    private OptDecodeStep(OptDecoder decoder, boolean layerNormBefore, KernelMatrix projectIn,
            KernelMatrix projectOut, List<LayerStep> layers) {
        this.decoder = decoder;
        this.layerNormBefore = layerNormBefore;
        this.projectIn = projectIn;
        this.projectOut = projectOut;
        this.layers = layers;
    }

    /**
     * @param net the network
     * @param config its architecture
     * @param in the step's inputs
     * @param cache the generation's cache
     * @return the step, or null where it does not apply (see the class comment): libtorch's forward pass runs then
     */
    static OptDecodeStep prepare(OptForCausalLm net, OptConfig config, OptInputs in, KvCache cache) {
        if (!DecodeThreads.javaStep(in.batch(), in.length(), cache) || config.activation() != ActivationFunction.RELU) {
            return null;
        }
        OptDecoder decoder = net.decoder();
        List<LayerStep> layers = new ArrayList<>();
        for (OptDecoderLayer layer : decoder.layers()) {
            MultiHeadAttention attention = layer.selfAttn();
            KernelMatrix[] m = KernelMatrix.ofLayers(attention.query(), attention.key(), attention.value(),
                    attention.output(), layer.fc1(), layer.fc2());
            if (m == null) {
                return null;
            }
            layers.add(new LayerStep(attention, m[0], m[1], m[2], m[3], layer.selfAttnLayerNorm(), m[4], m[5],
                    layer.finalLayerNorm()));
        }
        KernelMatrix projectIn = decoder.projectIn() == null ? null : decoder.projectIn().kernelMatrix();
        KernelMatrix projectOut = decoder.projectOut() == null ? null : decoder.projectOut().kernelMatrix();
        if (projectIn == null && decoder.projectIn() != null || projectOut == null && decoder.projectOut() != null) {
            return null;
        }
        return new OptDecodeStep(decoder, config.layerNormBefore(), projectIn, projectOut, layers);
    }

    /**
     * Runs the step, appending every layer's key and value to the cache.
     *
     * @param in the step's inputs (one sequence, one new token)
     * @param cache the generation's cache
     * @return the last hidden state of the new token [word_embed_proj_dim], as {@link OptDecoder#forward} returns it
     */
    float[] lastHidden(OptInputs in, KvCache cache) {
        float[] mask = in.mask(); // [1, 1, 1, past + 1], or null
        float[] h = decoder.embedTokens().row(in.ids()[0]); // [proj]
        if (projectIn != null) {
            h = projectIn.multiply(h); // [hidden]
        }
        float[] positions = decoder.embedPositions().row(in.positions()[0]); // [hidden]
        for (int i = 0; i < h.length; i++) {
            h[i] += positions[i];
        }
        for (int i = 0; i < layers.size(); i++) {
            h = layer(layers.get(i), h, mask, cache, i);
        }
        if (decoder.finalLayerNorm() != null) {
            h = decoder.finalLayerNorm().forwardRow(h);
        }
        return projectOut == null ? h : projectOut.multiply(h); // [proj]
    }

    /** {@link OptDecoderLayer#forward} for one row: [hidden] to [hidden]. */
    private float[] layer(LayerStep l, float[] x, float[] mask, KvCache cache, int index) {
        float[] h = layerNormBefore ? l.selfAttnLayerNorm().forwardRow(x) : x;
        float[] q = l.q().multiply(h); // [hidden] = [H * D]
        KvCache.Rows cached = cache.appendRow(index, l.k().multiply(h), l.v().multiply(h)); // [H, past + 1, D]
        float[] attended = RowAttention.attend(q, cached, l.attention().scale(), mask);
        h = l.out().multiply(attended, x); // x + out_proj(attended)
        if (!layerNormBefore) {
            h = l.selfAttnLayerNorm().forwardRow(h);
        }
        float[] f = layerNormBefore ? l.finalLayerNorm().forwardRow(h) : h;
        f = l.fc1().multiply(f); // [ffn]
        for (int i = 0; i < f.length; i++) {
            f[i] = Math.max(f[i], 0f); // ReLU
        }
        h = l.fc2().multiply(f, h); // h + fc2(f), [hidden]
        return layerNormBefore ? h : l.finalLayerNorm().forwardRow(h);
    }
}
