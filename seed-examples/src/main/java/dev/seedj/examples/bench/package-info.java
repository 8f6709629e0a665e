/**
 * Runnable benchmarks whose figures go into {@code docs/benchmarks.md} and the {@code seed bench} command.
 * {@link dev.seedj.examples.bench.TokenizerBenchmark} times the SEED tokenizer against the machine's
 * matrix-multiply rate ({@link dev.seedj.core.bench.MatmulThroughput}) and reports peak resident memory
 * ({@link dev.seedj.core.bench.ProcessMemory}); {@link dev.seedj.examples.bench.TokenizerFlops} counts the
 * model's floating-point operations.
 */
package dev.seedj.examples.bench;
