package dev.seedj.examples.docs;

import dev.seedj.core.train.TrainingConfig;
import dev.seedj.tokenizer.train.FileGenerationTargets;
import dev.seedj.tokenizer.train.GenerationTargets;
import dev.seedj.tokenizer.train.Stage1Options;
import dev.seedj.tokenizer.train.Stage2Options;
import dev.seedj.tokenizer.train.TokenizerTraining;
import java.nio.file.Path;

/**
 * The code shown in docs/training.md (regions between {@code // snippet:NAME} and {@code // end snippet},
 * checked against the markdown by {@link MarkdownSnippetsTest}; compiled by the build, run by the training
 * tests of seed-tokenizer through the same entry points).
 */
final class TrainingSnippets {
    private TrainingSnippets() {
    }

    static void trainTokenizer() throws Exception {
        // snippet:tokenizer-training
        TrainingConfig config = TrainingConfig.load(Path.of("stage1.json"));   // see the training-config reference
        TokenizerTraining.stage1(config, Path.of("models/stage1-start"), Path.of("data/cc3m"),
                Path.of("models/bert-base-uncased/vocab.txt"), Stage1Options.reference(30523));
        try (GenerationTargets targets = FileGenerationTargets.open(Path.of("data/cc3m-targets"))) {
            TokenizerTraining.stage2(TrainingConfig.load(Path.of("stage2.json")), Path.of("runs/stage1"),
                    Path.of("data/cc3m"), targets, Stage2Options.imageHeadOnly());
        }
        // end snippet
    }
}
