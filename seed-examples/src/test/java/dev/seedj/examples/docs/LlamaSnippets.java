package dev.seedj.examples.docs;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.llm.LlmDtype;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.GenerationResult;
import dev.seedj.llm.generation.Generator;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.llm.llama.LlamaLoadOptions;
import dev.seedj.llm.llama.LlamaModel;
import dev.seedj.multimodal.SeedLlama;
import dev.seedj.multimodal.SeedMultimodalModel;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The code shown in docs/llm.md's LLaMA section (checked against the markdown by {@link MarkdownSnippetsTest},
 * run by {@link LlamaSnippetsTest}).
 */
final class LlamaSnippets {
    private LlamaSnippets() {
    }

    /** @return {logits shape, new tokens of the first prompt} */
    static Object[] logitsAndGreedy(Path dir, long[][] inputIds, long[][] attentionMask, List<long[]> prompts) {
        Object[] shown = new Object[2];
        // snippet:llama
        try (LlamaModel model = LlamaModel.load(dir);
                NDManager m = NDManager.newBaseManager()) {
            NDArray logits = model.logits(inputIds, attentionMask, m); // [B, T, vocab], left-padded rows
            GenerationResult r = new Generator(model).generate(prompts, GenerationConfig.greedy(8), null);
            shown[0] = logits.getShape();
            shown[1] = r.tokens()[0]; // the new tokens of the first prompt
        }
        // end snippet
        return shown;
    }

    static void seedLlama(Path tokenizerDir, Path llmDir, Path photo) {
        // snippet:seed-llama
        try (SeedTokenizer images = SeedTokenizer.load(tokenizerDir);                 // SEED-2 (seed_quantizer.pt)
             SeedMultimodalModel seed = SeedMultimodalModel.load(llmDir, null, images)) { // config.json: llama
            BufferedImage cat = ImagePreprocessor.decode(photo);
            String answer = seed.answer(cat, "What is this animal?");       // <s>USER: <img>..</img>...\nASSISTANT:
            int[] codes = seed.generateImageCodes("Can you generate an image of a dog on the green grass?");
            float[][] conditioning = seed.generateConditioning("a dog on the green grass"); // 1 x D unCLIP embedding
            System.out.println(seed instanceof SeedLlama ? "SEED-LLaMA" : "SEED-OPT");
            System.out.println(answer);
            System.out.println(Arrays.toString(codes) + " -> " + conditioning.length + " x " + conditioning[0].length);
        }
        // end snippet
    }

    /** @return the dtypes of a LLaMA model loaded in bfloat16 and the parsed name, and an int8 OPT model's logits */
    static Object[] dtypes(Path dir, Path optDir) {
        // snippet:dtype
        LlamaModel llama = LlamaModel.load(dir, LlamaLoadOptions.defaults().withDtype(LlmDtype.BFLOAT16));
        OptModel opt = OptModel.load(optDir, Engine.getInstance().defaultDevice(), LlmDtype.INT8);
        LlmDtype dtype = LlmDtype.parse("bfloat16"); // float32 | bfloat16 | int8 | int8-dynamic (fp32, bf16 accepted)
        // end snippet
        try (llama; opt; NDManager m = NDManager.newBaseManager()) {
            return new Object[] {llama.dtype(), dtype, opt.logits(new long[][] {{2, 5, 9}}, null, m).getShape()};
        }
    }
}
