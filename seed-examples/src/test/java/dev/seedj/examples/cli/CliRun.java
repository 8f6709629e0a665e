package dev.seedj.examples.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** One run of the command-line tool in this JVM: its exit status and what it printed. */
record CliRun(int status, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = SeedCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(status, out.toString(), err.toString());
    }

    /** @return the non-empty lines of standard output */
    List<String> outLines() {
        return out.lines().filter(line -> !line.isBlank()).toList();
    }

    /** @return the non-empty lines of standard error */
    List<String> errLines() {
        return err.lines().filter(line -> !line.isBlank()).toList();
    }
}
