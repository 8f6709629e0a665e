package dev.seedj.llm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small random OPT models and adapters built in the tests (shared with seed-multimodal's tests). */
public final class TinyModels {
    private TinyModels() {}

    /** OPT-350m's shape, tiny: post-LayerNorm, project_in/out (16 != 32), separate lm_head, no final LayerNorm. */
    static OptConfig opt350mShaped(int vocab) {
        return OptConfig.builder().vocabSize(vocab).hiddenSize(32).wordEmbedProjDim(16).numLayers(2).numHeads(4).ffnDim(64)
                .maxPositions(40).layerNormBefore(false).tieWordEmbeddings(false).build();
    }

    /** OPT-125m's shape, tiny: pre-LayerNorm, tied embeddings. */
    public static OptConfig opt125mShaped(int vocab) {
        return OptConfig.builder().vocabSize(vocab).hiddenSize(32).numLayers(2).numHeads(4).ffnDim(64).maxPositions(40)
                .build();
    }

    public static OptModel random(OptConfig config, long seed) {
        return OptModel.random(config, seed, Engine.getInstance().defaultDevice());
    }

    /**
     * An adapter with non-zero factors (PEFT would start lora_B at zero) on the given targets, and a perturbed
     * copy of the embeddings when {@code saveEmbeddings}.
     */
    public static LoraAdapter adapter(OptModel model, List<String> targets, boolean saveEmbeddings, long seed) {
        LoraConfig config = LoraConfig.of(4, 8, targets, saveEmbeddings ? List.of("embed_tokens") : List.of());
        OptConfig c = model.config();
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed((int) seed);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String module : OptAdapters.resolve(config, c).keySet()) {
                long[] shape = model.namedParameters().get(module + ".weight").getArray().getShape().getShape();
                long out = shape[0];
                long in = shape[1];
                float bound = (float) (1 / Math.sqrt(in));
                tensors.put(LoraAdapter.KEY_PREFIX + module + ".lora_A.weight",
                        m.randomUniform(-bound, bound, new Shape(4, in), DataType.FLOAT32));
                tensors.put(LoraAdapter.KEY_PREFIX + module + ".lora_B.weight",
                        m.randomNormal(0f, 0.1f, new Shape(out, 4), DataType.FLOAT32));
            }
            if (saveEmbeddings) {
                NDArray embed = model.namedParameters().get("model.decoder.embed_tokens.weight").getArray();
                NDArray copy = embed.add(m.randomNormal(0f, 0.5f, embed.getShape(), DataType.FLOAT32));
                copy.attach(m);
                tensors.put(LoraAdapter.KEY_PREFIX + "model.decoder.embed_tokens.weight", copy);
            }
            return LoraAdapter.of(config, tensors);
        }
    }

    static float[] flat(double[][] a) {
        float[] out = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                out[i * a[i].length + j] = (float) a[i][j];
            }
        }
        return out;
    }
}
