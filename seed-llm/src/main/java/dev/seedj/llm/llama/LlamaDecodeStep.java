package dev.seedj.llm.llama;

import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.KernelMatrix;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.nn.RowAttention;
import dev.seedj.core.weights.ComputeType;
import java.util.ArrayList;
import java.util.List;

/**
 * One decoding step of a one-sequence batch computed in Java, as {@code dev.seedj.llm.OptDecodeStep} does for OPT:
 * the new token's hidden row goes through the decoder as a Java array, each matrix product by {@link MatVec}'s
 * kernel ({@link KernelMatrix}), RMSNorm, the rotary embedding, SiLU and the residual sums in Java loops, and the
 * attention, grouped-query included, over the {@link KvCache} by {@link RowAttention}. It computes what
 * {@link LlamaDecoder#forward} computes for that step, up to float rounding, without libtorch's operations between
 * the products.
 *
 * <p>It applies ({@link #prepare} returns a step) where {@link DecodeThreads#javaSteps()} holds, outside autograd,
 * for one sequence and one new token once the prompt is in the cache, and every decoder matrix is one the kernel reads
 * (float32, bfloat16 or weight-only int8; not fbgemm's dynamic int8, not an unmerged LoRA layer). The step computes in
 * float32 between the products. A bfloat16 model, whose libtorch forward pass computes in bfloat16 (the prompt, and
 * any step the Java step does not take), thus decodes as OPT's bfloat16 model does: each product's input rounded to
 * bfloat16, the norms, rotary embedding, attention and residual sums in float32, with its cache widened to float32
 * rows at the first Java step ({@link KvCache#storeAs}; {@link LlamaModel} narrows it back before a libtorch step).
 *
 * <p>A step lives for one call of {@link LlamaModel#nextLogits}; it reads the weights through the views the layers
 * keep ({@link Linear#kernelMatrix()}). Not thread-safe; steps of different generations may run concurrently.
 */
final class LlamaDecodeStep {
    private final LlamaDecoder decoder;
    private final LlamaRotaryEmbedding rotary;
    private final List<LayerStep> layers;

    /** One decoder layer's matrices and norms. */
    private record LayerStep(LlamaDecoderLayer layer, KernelMatrix q, KernelMatrix k, KernelMatrix v, KernelMatrix o,
            KernelMatrix gate, KernelMatrix up, KernelMatrix down) {}

    private LlamaDecodeStep(LlamaDecoder decoder, LlamaRotaryEmbedding rotary, List<LayerStep> layers) {
        this.decoder = decoder;
        this.rotary = rotary;
        this.layers = layers;
    }

    /**
     * @param decoder the decoder
     * @param rotary the model's rotary embedding
     * @param in the step's inputs
     * @param cache the generation's cache
     * @return the step, or null where it does not apply (see the class comment): libtorch's forward pass runs then
     */
    static LlamaDecodeStep prepare(LlamaDecoder decoder, LlamaRotaryEmbedding rotary, LlamaInputs in,
            KvCache cache) {
        // a bfloat16 model's cache holds bfloat16 rows: widened below, once the step is known to apply
        if (!DecodeThreads.javaStepOnOneRow(in.batch(), in.length(), cache)) {
            return null;
        }
        List<LayerStep> layers = new ArrayList<>();
        for (LlamaDecoderLayer layer : decoder.layers()) {
            LlamaAttention a = layer.selfAttn();
            LlamaMlp mlp = layer.mlp();
            KernelMatrix[] m = KernelMatrix.ofLayers(a.qProj(), a.kProj(), a.vProj(), a.oProj(), mlp.gateProj(),
                    mlp.upProj(), mlp.downProj());
            if (m == null) {
                return null;
            }
            layers.add(new LayerStep(layer, m[0], m[1], m[2], m[3], m[4], m[5], m[6]));
        }
        cache.storeAs(ComputeType.FLOAT32); // a bfloat16 cache once, at the first Java step; else nothing
        return new LlamaDecodeStep(decoder, rotary, layers);
    }

    /**
     * Runs the step, appending every layer's key and value to the cache.
     *
     * @param in the step's inputs (one sequence, one new token)
     * @param cache the generation's cache
     * @return the last hidden state of the new token after {@code norm}, [hidden]
     */
    float[] lastHidden(LlamaInputs in, KvCache cache) {
        float[] mask = in.mask(); // [1, 1, 1, past + 1], or null
        float[][] cosSin = rotary.cosSinValues(in.positions(), in.past() + 1); // {[head_dim], [head_dim]}
        float[] h = decoder.embedTokens().row(in.ids()[0]); // [hidden]
        for (int i = 0; i < layers.size(); i++) {
            h = layer(layers.get(i), h, cosSin, mask, cache, i);
        }
        return decoder.norm().forwardRow(h); // [hidden]
    }

    /** {@link LlamaDecoderLayer#forward} for one row: [hidden] to [hidden]. */
    private static float[] layer(LayerStep l, float[] x, float[][] cosSin, float[] mask, KvCache cache, int index) {
        float[] n = l.layer().inputLayernorm().forwardRow(x);
        float[] q = l.q().multiply(n); // [H * D]
        float[] k = l.k().multiply(n); // [KV * D]
        LlamaRotaryEmbedding.applyToRow(q, cosSin[0], cosSin[1]);
        LlamaRotaryEmbedding.applyToRow(k, cosSin[0], cosSin[1]);
        KvCache.Rows cached = cache.appendRow(index, k, l.v().multiply(n)); // [KV, past + 1, D]
        float[] attended = RowAttention.attend(q, cached, l.layer().selfAttn().scale(), mask); // [H * D]
        float[] h = l.o().multiply(attended, x); // x + o_proj(attended), [hidden]
        n = l.layer().postAttentionLayernorm().forwardRow(h);
        float[] gate = l.gate().multiply(n); // [inner]
        float[] up = l.up().multiply(n);
        for (int i = 0; i < gate.length; i++) {
            float g = gate[i];
            gate[i] = g * (1f / (1f + (float) Math.exp(-g))) * up[i]; // silu(gate) * up
        }
        return l.down().multiply(gate, h); // h + down_proj(silu(gate) * up), [hidden]
    }
}
