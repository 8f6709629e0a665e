package dev.seedj.core.nn.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.FusedQkvAttention;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.VitBlock;
import dev.seedj.core.testing.Oracle;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The generic LoRA injector on a tree that is not OPT (EVA-style ViT blocks, whose fused qkv projection carries an
 * external bias): it finds targets by full name, swaps in LoRA layers that compute {@code W x + b + s B A x}, names
 * the factors as PEFT does, and merges and unmerges exactly.
 */
class LoraInjectorTest {

    /** Two ViT blocks under {@code layers.N}. */
    static final class TwoBlocks extends SeedBlock {
        final List<VitBlock> layers;

        TwoBlocks(FusedQkvAttention.QkvBias bias) {
            layers = List.of(declareChild("layers.0", new VitBlock(8, 2, 16, 1e-6f, bias)),
                    declareChild("layers.1", new VitBlock(8, 2, 16, 1e-6f, bias)));
        }

        NDArray forward(NDArray x) {
            return layers.get(1).forward(layers.get(0).forward(x));
        }
    }

    /** PEFT's list rule: a target matches a full name equal to it or ending with "." + it; rank 2, alpha 4. */
    record Suffixes(List<String> targets, List<String> saved) implements LoraTargets {
        @Override
        public boolean targets(String moduleName, Set<String> linearLeafNames) {
            return targets.stream().anyMatch(t -> moduleName.equals(t) || moduleName.endsWith("." + t));
        }

        @Override
        public boolean isSaved(String moduleName) {
            return saved.stream().anyMatch(s -> moduleName.equals(s) || moduleName.endsWith("." + s));
        }

        @Override
        public int rank(String moduleName) {
            return 2;
        }

        @Override
        public float scaling(String moduleName) {
            return 4f / 2;
        }
    }

    @Test
    void injectsMergesAndNamesAdapterParametersOnAnyTree() {
        for (FusedQkvAttention.QkvBias qkvBias : FusedQkvAttention.QkvBias.values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(3);
                TwoBlocks model = new TwoBlocks(qkvBias);
                model.initializeParameters(m);
                NDArray x = m.randomNormal(0f, 1f, new Shape(2, 5, 8), DataType.FLOAT32);
                float[] before = model.forward(x).toFloatArray();
                Linear oldQkv = (Linear) model.namedBlocks().get("layers.1.attn.qkv");

                Suffixes rules = new Suffixes(List.of("qkv", "fc2"), List.of("norm2"));
                Map<String, LoraInjector.Site> sites = LoraInjector.create().resolve(model, rules);
                assertEquals(List.of("layers.0.attn.qkv", "layers.0.mlp.fc2", "layers.1.attn.qkv", "layers.1.mlp.fc2"),
                        List.copyOf(sites.keySet()));
                Map<String, LoraLinear> injected = LoraInjector.inject(model, sites);
                assertSame(injected.get("layers.1.attn.qkv"), model.namedBlocks().get("layers.1.attn.qkv"));
                assertSame(oldQkv.weight().getArray(), injected.get("layers.1.attn.qkv").weight().getArray(),
                        "the base weight is shared, not copied");
                model.initializeParameters(m); // the factors: A random, B zero
                assertArrayEquals(before, model.forward(x).toFloatArray(), "B = 0: the update starts at zero");

                for (LoraLinear l : injected.values()) {
                    NDArray b = l.loraB().weight().getArray();
                    b.addi(m.randomNormal(0f, 0.5f, b.getShape(), DataType.FLOAT32));
                }
                float[] adapted = model.forward(x).toFloatArray();
                assertFalse(java.util.Arrays.equals(before, adapted));
                // the same as a plain model whose weights are W + s B A
                TwoBlocks plain = new TwoBlocks(qkvBias);
                Map<String, Parameter> plainParams = plain.namedParameters();
                for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                    if (!plainParams.containsKey(e.getKey())) {
                        continue;
                    }
                    String module = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
                    LoraLinear l = injected.get(module);
                    boolean weight = e.getKey().endsWith(".weight");
                    plainParams.get(e.getKey()).setArray(l != null && weight ? l.mergedWeight(m) : e.getValue().getArray());
                }
                Oracle.assertClose("unmerged vs merged weights", plain.forward(x).toFloatArray(), adapted, 1e-5);
                LoraInjector.merge(model, m);
                assertTrue(injected.values().stream().allMatch(LoraLinear::isMerged));
                Oracle.assertClose("merged", adapted, model.forward(x).toFloatArray(), 1e-5);
                LoraInjector.unmerge(model);
                assertArrayEquals(adapted, model.forward(x).toFloatArray(), "unmerge restores the unmerged pass");

                Map<String, Parameter> adapter = LoraInjector.adapterParameters(model, rules);
                assertTrue(adapter.containsKey("base_model.model.layers.0.attn.qkv.lora_A.weight"));
                assertTrue(adapter.containsKey("base_model.model.layers.1.mlp.fc2.lora_B.weight"));
                assertTrue(adapter.containsKey("base_model.model.layers.1.norm2.weight"), "modules_to_save");
                assertEquals(4 * 2 + 2 * 2, adapter.size());
            }
        }
    }

    @Test
    void refusesTargetsThatAreNotLinearOrMatchNothing() {
        TwoBlocks model = new TwoBlocks(FusedQkvAttention.QkvBias.FULL);
        IllegalArgumentException notLinear = assertThrows(IllegalArgumentException.class,
                () -> LoraInjector.create().resolve(model, new Suffixes(List.of("norm1"), List.of())));
        assertTrue(notLinear.getMessage().contains("layers.0.norm1"), notLinear.getMessage());
        IllegalArgumentException restricted = assertThrows(IllegalArgumentException.class,
                () -> LoraInjector.create().onlyOn(List.of("qkv", "proj"))
                        .resolve(model, new Suffixes(List.of("fc1"), List.of())));
        assertTrue(restricted.getMessage().contains("qkv, proj"), restricted.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> LoraInjector.create().resolve(model, new Suffixes(List.of("w_pack"), List.of())));
        assertTrue(none.getMessage().contains("match no module"), none.getMessage());
    }
}
