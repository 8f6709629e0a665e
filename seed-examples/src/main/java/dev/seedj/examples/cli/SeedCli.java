package dev.seedj.examples.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/**
 * The {@code seed} command-line tool: tokenize and detokenize images, caption and question them, imagine
 * pictures from text, train, benchmark. Run {@code seed --help} or {@code seed <command> --help}.
 *
 * <p>Exit status: 0 on success, 1 for bad input or a failure (one line on standard error), 2 for a usage
 * error (unknown option, missing argument). Results go to standard output, logs and progress to standard
 * error.
 *
 * <p>Not thread-safe (one instance per run).
 */
@Command(name = "seed", mixinStandardHelpOptions = true, version = "seed 0.1.0 (SEED-J)",
        description = {"SEED visual tokenizer and SEED-OPT on the JVM.",
            "Without --model / --llm the bundled model is used (see docs/quickstart.md)."},
        subcommands = {TokenizeCommand.class, DetokenizeCommand.class, CaptionCommand.class, AskCommand.class,
            ImagineCommand.class, TrainTokenizerCommand.class, TrainLmCommand.class, BenchCommand.class})
public final class SeedCli implements Runnable {
    /** Exit status for bad input or a failure. */
    public static final int EXIT_FAILURE = 1;
    /** Exit status for a usage error. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a sub-command: print the usage and fail. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    /**
     * Runs the tool and exits the JVM with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(execute(args, out, err));
    }

    /**
     * Runs the tool without exiting the JVM.
     *
     * @param args the command line
     * @param out where results go
     * @param err where errors go
     * @return the exit status
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new SeedCli());
        cli.setOut(out).setErr(err);
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine command = e.getCommandLine();
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage()
                    + " (see '" + command.getCommandSpec().qualifiedName() + " --help')");
            command.getErr().flush();
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((e, command, parseResult) -> {
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + oneLine(e));
            command.getErr().flush();
            return EXIT_FAILURE;
        });
        int status = cli.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /** The message of the failure, on one line, naming the exception type unless it is a {@link CliException}. */
    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? "" : e.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
        if (e instanceof CliException) {
            return message;
        }
        String type = e.getClass().getSimpleName();
        return message.isEmpty() ? type : type + ": " + message;
    }
}
