package dev.seedj.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.seedj.examples.cli.SeedCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every command line of README.md and docs/*.md as written: each line of a {@code ```sh} block that runs
 * the {@code seed} tool ({@code java [--add-modules jdk.incubator.vector] -jar seed-examples/target/seed.jar ARGS} or
 * {@code ./mvnw ... exec:java -Dexec.args="ARGS"}) is executed in this JVM from the repository root (paths are
 * taken relative to it; {@code --out} / {@code --png} files and {@code --output-dir} folders go to a temporary
 * folder) and must exit 0; a line
 * ending in {@code # -> SHAPE} must print a first line of that shape, where {@code <TAB>} is a tab,
 * {@code <32 codes>} 32 integers and {@code ...} any text. The other lines must be build or training commands
 * from {@link #NOT_RUN} (they are the build itself, or take hours).
 */
class DocCommandsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern JAR = Pattern.compile(
            "java (?:--add-modules jdk\\.incubator\\.vector )?-jar seed-examples/target/seed\\.jar(.*?)(#.*)?");
    private static final Pattern EXEC = Pattern.compile("\\./mvnw .*exec:java -Dexec\\.args=\"([^\"]*)\"\\s*(#.*)?");
    /** Command lines that are not run: the build, installation and the hours-long SEED-mini recipe. */
    private static final Set<String> NOT_RUN = Set.of("./mvnw -B verify", "./mvnw -B install -DskipTests",
            "./mvnw -B -q package -DskipTests && java -cp seed-examples/target/seed.jar "
                    + "dev.seedj.examples.mini.SeedMiniRecipe --models models/seed-mini --work target/seed-mini-runs"
                    + " --docs docs --seed 7");

    @Test
    void everyCommandLineInTheDocsRunsAsWritten(@TempDir Path out) throws IOException {
        int run = 0;
        for (Path file : markdownFiles()) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).strip().equals("```sh")) {
                    continue;
                }
                for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                    String line = lines.get(i).strip();
                    String where = file.getFileName() + ":" + (i + 1) + ": " + line;
                    Matcher jar = JAR.matcher(line);
                    Matcher exec = EXEC.matcher(line);
                    if (jar.matches()) {
                        check(where, jar.group(1), jar.group(2), out);
                    } else if (exec.matches()) {
                        check(where, exec.group(1), exec.group(2), out);
                    } else if (!line.isEmpty() && !NOT_RUN.contains(line)) {
                        fail(where + ": not a seed command this test can run; add it to NOT_RUN if it is a build step");
                    } else {
                        continue;
                    }
                    run++;
                }
            }
        }
        assertTrue(run >= 8, "the docs show the seed commands (ran " + run + ")");
    }

    private static void check(String where, String args, String comment, Path out) {
        List<String> argv = arguments(args.strip(), out);
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int status = SeedCli.execute(argv.toArray(String[]::new), new PrintWriter(stdout, true),
                new PrintWriter(stderr, true));
        assertEquals(0, status, where + " failed: " + stderr);
        if (comment != null && comment.startsWith("# -> ")) {
            String first = stdout.toString().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
            assertTrue(shape(comment.substring("# -> ".length()).strip()).matcher(first).matches(),
                    where + " printed '" + first + "'");
        }
    }

    /** Splits like a shell (double quotes group), resolves existing paths against the root, redirects outputs. */
    private static List<String> arguments(String args, Path out) {
        List<String> argv = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(args);
        while (m.find()) {
            argv.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            boolean output = i > 0 && Set.of("--out", "-o", "--png", "--output-dir").contains(argv.get(i - 1));
            if (output) {
                argv.set(i, out.resolve(a).toString());
            } else if (!a.startsWith("-") && !a.isEmpty() && Files.exists(ROOT.resolve(a))) {
                argv.set(i, ROOT.resolve(a).toString());
            }
        }
        return argv;
    }

    private static Pattern shape(String text) {
        StringBuilder regex = new StringBuilder();
        Matcher m = Pattern.compile("<TAB>|<32 codes>|\\.\\.\\.").matcher(text);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(text.substring(last, m.start())));
            regex.append(switch (m.group()) {
                case "<TAB>" -> "\t";
                case "<32 codes>" -> "\\d+(?:[ ,]\\d+){31}";
                default -> ".*";
            });
            last = m.end();
        }
        return Pattern.compile(regex + Pattern.quote(text.substring(last)));
    }

    private static List<Path> markdownFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }
}
