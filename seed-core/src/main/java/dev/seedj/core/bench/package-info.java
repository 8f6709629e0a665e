/**
 * What every benchmark reports beside its own figures, measured in the same run: the machine's float32
 * matrix-multiply rate through libtorch ({@link dev.seedj.core.bench.MatmulThroughput}), its STREAM-style copy
 * bandwidth ({@link dev.seedj.core.bench.CopyBandwidth}), and the process's resident memory and the machine's load
 * ({@link dev.seedj.core.bench.ProcessMemory}). They live in core so that every module's benchmarks (the CLI's,
 * Spark's) measure the machine the same way.
 */
package dev.seedj.core.bench;
