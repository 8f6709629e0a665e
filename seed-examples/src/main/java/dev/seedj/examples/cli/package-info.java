/**
 * The {@code seed} command-line tool ({@link dev.seedj.examples.cli.SeedCli}): one class per sub-command,
 * with shared model lookup ({@link dev.seedj.examples.cli.DefaultModels}), progress reporting
 * ({@link dev.seedj.examples.cli.Progress}) and output writers; {@link dev.seedj.examples.cli.PictureDecoderProvider}
 * is the hook through which a model with a pixel decoder (SEED-mini) draws PNGs.
 */
package dev.seedj.examples.cli;
