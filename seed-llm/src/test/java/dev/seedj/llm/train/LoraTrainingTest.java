package dev.seedj.llm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.train.BatchIterator;
import dev.seedj.core.train.LossTerms;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLog;
import dev.seedj.core.train.TrainingLoop;
import dev.seedj.core.train.TrainingRecord;
import dev.seedj.core.weights.StateDict;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.LoraConfig;
import dev.seedj.llm.OptModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 2, 4 and 5 for LoRA: a short run from a fresh adapter lowers the loss, the saved PEFT adapter reloads in
 * the inference path and makes opt-tiny produce the trained targets, and the model's managers do not accumulate
 * arrays from step to step.
 */
class LoraTrainingTest {
    /** Two prompts ([BOS] text <img> codes </img>) and the caption-like targets (ending in EOS) to learn. */
    private static final long[][] PROMPTS = {
        {2, 663, 18, 69, 9192, 2616, 5609, 9193}, {2, 828, 162, 9192, 2015, 8872, 9193}};
    private static final long[][] TARGETS = {{834, 802, 63, 2}, {977, 389, 27, 2}};
    /** The same targets with a token that only exists after resizing the vocabulary to {@value #RESIZED}. */
    private static final long[][] NEW_TOKEN_TARGETS = {{834, 9198, 63, 2}, {977, 389, 9199, 2}};
    private static final int RESIZED = 9200;

    @Test
    void trainedAdapterReloadsAndProducesTheTrainedTargets(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("train.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < PROMPTS.length; i++) {
            lines.append("{\"prompt_ids\": ").append(Arrays.toString(PROMPTS[i])).append(", \"target_ids\": ")
                    .append(Arrays.toString(NEW_TOKEN_TARGETS[i])).append("}\n");
        }
        Files.writeString(data, lines, StandardCharsets.UTF_8);
        Path run = tmp.resolve("run");
        String spec = "{\"model\": " + quoted(Oracle.path("opt-tiny")) + ","
                + " \"lora\": {\"r\": 8, \"lora_alpha\": 16,"
                + " \"target_modules\": [\"q_proj\", \"v_proj\", \"fc1\", \"fc2\"],"
                + " \"modules_to_save\": [\"embed_tokens\", \"lm_head\"]},"
                + " \"vocab_size\": " + RESIZED + ", \"init_seed\": 3,"
                + " \"training\": {\"learning_rate\": 0.03, \"total_steps\": 60, \"schedule\": \"constant\","
                + " \"batch_size\": 2, \"checkpoint_every\": 20, \"log_every\": 10, \"seed\": 1,"
                + " \"output_dir\": " + quoted(run) + "}}";

        Path adapterDir = LoraTraining.train(LoraTrainingSpec.parse(spec), data, null);

        assertEquals(run.resolve(LoraTraining.ADAPTER_DIR), adapterDir);
        List<TrainingRecord> log = TrainingLog.read(run.resolve("train_log.jsonl"));
        assertEquals(60, log.size());
        double first = log.get(0).losses().get(LoraTraining.LOSS);
        double last = log.get(log.size() - 1).losses().get(LoraTraining.LOSS);
        assertTrue(first > 5, "a fresh adapter starts from the base model's loss, got " + first);
        assertTrue(last < 0.05 * first, "the loss fell from " + first + " to only " + last);
        assertTrue(Files.isRegularFile(run.resolve("loss.png")));
        assertTrue(Files.isRegularFile(run.resolve("checkpoints").resolve("step-00000020.safetensors")));

        JsonObject config = JsonParser.parseString(Files.readString(adapterDir.resolve("adapter_config.json")))
                .getAsJsonObject();
        assertEquals("LORA", config.get("peft_type").getAsString());
        assertEquals(8, config.get("r").getAsInt());
        assertEquals("embed_tokens", config.getAsJsonArray("modules_to_save").get(0).getAsString());
        try (StateDict saved = StateDict.open(adapterDir.resolve("adapter_model.safetensors"))) {
            assertTrue(saved.contains("base_model.model.model.decoder.layers.1.self_attn.v_proj.lora_B.weight"));
            assertTrue(saved.contains("base_model.model.model.decoder.layers.0.fc2.lora_A.weight"));
            assertTrue(saved.contains("base_model.model.model.decoder.embed_tokens.weight"));
            assertTrue(saved.contains("base_model.model.lm_head.weight"));
            assertEquals(2 * 4 * 2 + 2, saved.keys().size(), "LoRA A/B of 4 modules x 2 layers + 2 saved modules");
        }

        try (OptModel base = OptModel.load(Oracle.path("opt-tiny"));
                LoraAdapter adapter = LoraAdapter.load(adapterDir)) {
            base.resizeTokenEmbeddings(RESIZED);
            try (OptModel tuned = base.withAdapter(adapter)) {
                for (int i = 0; i < PROMPTS.length; i++) {
                    long[] target = NEW_TOKEN_TARGETS[i];
                    assertFalse(Arrays.equals(target, greedy(base, PROMPTS[i], target.length)),
                            "the base model already produces target " + i);
                    assertArrayEquals(target, greedy(tuned, PROMPTS[i], target.length), "tuned output " + i);
                }
            }
        }
    }

    @Test
    void stepsDoNotAccumulateArraysInTheModel(@TempDir Path tmp) {
        List<LmExample> examples = List.of(LmExample.promptTarget(PROMPTS[0], TARGETS[0]),
                LmExample.promptTarget(PROMPTS[1], TARGETS[1]));
        LoraConfig lora = LoraConfig.of(4, 8, List.of("q_proj", "v_proj"), List.of("embed_tokens"));
        TrainingConfig config = TrainingConfig.defaults(1e-3, 12, 2, tmp);
        try (OptModel base = OptModel.load(Oracle.path("opt-tiny"));
                OptModel model = LoraTraining.adapted(base, lora, null, 0)) {
            Parameter embed = model.adapterParameters().get("base_model.model.model.decoder.embed_tokens.weight");
            NDManager modelManager = embed.getArray().getManager();
            try (TrainingLoop<List<LmExample>> loop = TrainingLoop.<List<LmExample>>builder(config)
                    .parameters(LoraTraining.decayGroups(model.adapterParameters()))
                    .data(new BatchIterator<>(2, examples::get, 2, 0, true))
                    .step((batch, m) -> new LossTerms().add("lm",
                            CausalLmLoss.compute(model, LmBatch.collate(batch, 1), m)))
                    .optProgressBar(false)
                    .build()) {
                loop.runUntil(2);
                int after2 = modelManager.getManagedArrays().size();
                loop.runUntil(12);
                assertEquals(after2, modelManager.getManagedArrays().size(), "arrays in the model's manager");
            }
        }
    }

    @Test
    void aResumedRunRepeatsTheUninterruptedOne(@TempDir Path tmp) {
        List<LmExample> examples = List.of(LmExample.promptTarget(PROMPTS[0], TARGETS[0]),
                LmExample.promptTarget(PROMPTS[1], TARGETS[1]));
        LoraConfig lora = LoraConfig.of(4, 8, List.of("q_proj", "v_proj"), List.of("embed_tokens"));
        try (OptModel base = OptModel.load(Oracle.path("opt-tiny"))) {
            List<TrainingRecord> straight = run(base, lora, examples, 8, tmp.resolve("straight"), 0);
            run(base, lora, examples, 4, tmp.resolve("resumed"), 0);
            // another lora_A initialisation: only the checkpoint can make the continuation repeat the straight run
            List<TrainingRecord> resumed = run(base, lora, examples, 8, tmp.resolve("resumed"), 99);
            assertEquals(8, resumed.size());
            List<TrainingRecord> otherInit = run(base, lora, examples, 8, tmp.resolve("other"), 99);
            assertNotEquals(loss(straight, 7), loss(otherInit, 7),
                    "the initialisation matters, so the resumed run really came from the checkpoint");
            for (int i = 0; i < 8; i++) {
                assertEquals(loss(straight, i), loss(resumed, i), "loss at step " + (i + 1));
            }
        }
    }

    /** Trains a fresh adapter (batch 1, so the shuffled order matters) to {@code steps}, resuming from {@code out}. */
    private static List<TrainingRecord> run(OptModel base, LoraConfig lora, List<LmExample> examples, long steps,
            Path out, long initSeed) {
        TrainingConfig config = TrainingConfig.builder(3e-3, steps, 1, out).schedule(TrainingConfig.Schedule.CONSTANT)
                .clipNorm(1.0).checkpointEvery(0).logEvery(10).seed(5).build();
        try (OptModel model = LoraTraining.adapted(base, lora, null, initSeed)) {
            return LoraTraining.train(model, examples, config).records();
        }
    }

    private static double loss(List<TrainingRecord> log, int index) {
        return log.get(index).losses().get(LoraTraining.LOSS);
    }

    private static long[] greedy(OptModel model, long[] prompt, int n) {
        long[] ids = prompt.clone();
        long[] out = new long[n];
        try (NDManager m = NDManager.newBaseManager()) {
            for (int k = 0; k < n; k++) {
                NDArray logits = model.logits(new long[][] {ids}, null, m); // [1, T, V]
                out[k] = logits.get(0, ids.length - 1).argMax().getLong();
                ids = Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = out[k];
            }
        }
        return out;
    }

    private static String quoted(Path p) {
        return "\"" + p.toAbsolutePath().toString().replace("\\", "\\\\") + "\"";
    }
}
