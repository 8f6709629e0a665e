package dev.seedj.examples.cli;

import dev.seedj.examples.bench.LlmBenchmark;
import dev.seedj.examples.bench.TokenizerBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code seed bench}: runs {@link TokenizerBenchmark} or {@link LlmBenchmark} on this machine and prints its
 * figures as a Markdown table (as docs/benchmarks.md shows them).
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Runs a benchmark and prints its figures as Markdown: tokenizer (encode / detokenize "
                + "images per second against the machine's matmul throughput) or llm (OPT-125m prefill and decode against "
                + "the machine's memory bandwidth). Random weights at the real sizes; takes minutes."})
public final class BenchCommand implements Callable<Integer> {
    /** The benchmarks. */
    enum Which { tokenizer, llm }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", defaultValue = "tokenizer", paramLabel = "BENCHMARK",
            description = "tokenizer (default) or llm")
    Which which;

    @Option(names = "--seconds", defaultValue = "20", paramLabel = "S",
            description = "minimum timed duration of each figure, after warm-up (default: ${DEFAULT-VALUE})")
    double seconds;

    @Override
    public Integer call() {
        if (!(seconds > 0)) {
            throw new CliException("--seconds must be positive, got " + seconds);
        }
        String table = switch (which) {
            case tokenizer -> TokenizerBenchmark.run(seconds).toMarkdown();
            case llm -> LlmBenchmark.run(seconds).toMarkdown();
        };
        spec.commandLine().getOut().print(table);
        return 0;
    }
}
