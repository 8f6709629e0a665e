package dev.seedj.examples.docs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.VitBlock;
import dev.seedj.core.nn.lora.LoraInjector;
import dev.seedj.llm.LoraConfig;
import dev.seedj.tokenizer.model.StageRecorder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The code shown in docs/architecture.md (regions between {@code // snippet:NAME} and {@code // end snippet},
 * checked against the markdown by {@link MarkdownSnippetsTest}; compiled by the build).
 */
final class ArchitectureSnippets {
    private ArchitectureSnippets() {
    }

    // snippet:block
    static final class GatedMlp extends SeedBlock {
        private final Linear gate;
        private final Linear up;
        private final Linear down;

        GatedMlp(long dim, long hidden) {
            this.gate = declareChild("gate_proj", new Linear(dim, hidden, false)); // <prefix>.gate_proj.weight
            this.up = declareChild("up_proj", new Linear(dim, hidden, false));
            this.down = declareChild("down_proj", new Linear(hidden, dim, false));
        }

        NDArray forward(NDArray x) { // [B, T, dim] -> [B, T, dim]
            return down.forward(ActivationFunction.GELU.apply(gate.forward(x)).mul(up.forward(x)));
        }
    }
    // end snippet

    static Map<String, Parameter> lora(SeedBlock model, NDManager manager, Path dir) {
        // snippet:lora
        LoraConfig config = LoraConfig.load(dir.resolve("adapter_config.json"));
        Map<String, LoraInjector.Site> sites = LoraInjector.create().withOutputLayer("lm_head").resolve(model, config);
        LoraInjector.inject(model, sites);           // q_proj: Linear -> LoraLinear, sharing W and b
        model.initializeParameters(manager);         // lora_A random, lora_B zero (or load the adapter's tensors)
        Map<String, Parameter> trainable = LoraInjector.adapterParameters(model, config);
        // "base_model.model.layers.0.self_attn.q_proj.lora_A.weight", ..., the modules_to_save weights
        LoraInjector.merge(model, manager);          // forward uses W + s B A; LoraInjector.unmerge(model) undoes it
        // end snippet
        return trainable;
    }

    static NDArray memory(NDArray patches, Parameter clsToken, Shape shape, List<VitBlock> blocks,
            StageRecorder recorder) {
        // snippet:memory
        NDArray cls = ArrayScopes.adopt(clsToken.getArray().broadcast(shape), patches); // a parameter's view: to the call
        NDArray x = cls.concat(patches, 1);                                              // created here
        NDArray out = ArrayScopes.chain(x, ArrayScopes.layers(blocks, VitBlock::forward),
                (h, i) -> recorder.record("block" + i, h));                              // recorders copy what they keep
        if (out != x) {
            x.close();                                                                   // this block created x
        }
        // end snippet
        return out;
    }
}
