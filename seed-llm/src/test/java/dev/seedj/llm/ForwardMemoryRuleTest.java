package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.seedj.core.testing.ForwardMemoryRule;
import dev.seedj.llm.train.CausalLmLoss;
import dev.seedj.llm.train.LmBatch;
import dev.seedj.llm.train.LmExample;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The memory rule on OPT: a plain and a LoRA-adapted forward pass, and the LoRA training loss, with and without a
 * GradientCollector, leave nothing in the weights' manager (nor in the adapted model's) and give the same values.
 */
class ForwardMemoryRuleTest {
    private static final long[][] IDS = {{2, 17, 250, 9, 9, 131}, {2, 4, 201, 3, 1, 1}};
    private static final long[][] MASK = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}};

    @Test
    void optAndLoraForwardPassesKeepTheWeightsManagerClean() {
        for (OptConfig config : List.of(TinyModels.opt125mShaped(300), TinyModels.opt350mShaped(300))) {
            try (OptModel base = TinyModels.random(config, 41);
                    LoraAdapter adapter = TinyModels.adapter(base, List.of("q_proj", "v_proj", "fc1"), true, 42);
                    OptModel adapted = base.withAdapter(adapter)) {
                for (OptModel model : List.of(base, adapted)) {
                    ForwardMemoryRule.check(model.manager(), call -> List.of(),
                            (call, in) -> model.logits(IDS, MASK, call).toFloatArray());
                    ForwardMemoryRule.check(model.manager(), call -> List.of(), (call, in) -> {
                        NDArray hidden = model.finalHidden(IDS, MASK, call);
                        float[] logits = model.lmHead(hidden).toFloatArray(); // [B, T, V]
                        float[] next = model.nextLogits(IDS, MASK, model.newCache(call), call).toFloatArray(); // [B, V]
                        float[] both = java.util.Arrays.copyOf(logits, logits.length + next.length);
                        System.arraycopy(next, 0, both, logits.length, next.length);
                        return both;
                    });
                }
            }
        }
    }

    @Test
    void loraTrainingLossKeepsTheWeightsManagerClean() {
        try (OptModel base = TinyModels.random(TinyModels.opt125mShaped(300), 43);
                LoraAdapter adapter = TinyModels.adapter(base, List.of("q_proj", "k_proj"), true, 44);
                OptModel adapted = base.withAdapter(adapter)) {
            for (Parameter p : adapted.adapterParameters().values()) {
                p.getArray().setRequiresGradient(true); // as LoRA training does
            }
            LmBatch batch = LmBatch.collate(List.of(
                    new LmExample(new long[] {2, 17, 250, 9}, new long[] {-100, -100, 250, 9}),
                    new LmExample(new long[] {2, 4, 201}, new long[] {-100, 4, 201})), 1);
            ForwardMemoryRule.check(base.manager(), call -> List.of(),
                    (call, in) -> new float[] {CausalLmLoss.compute(adapted, batch, call).getFloat()});
        }
    }
}
