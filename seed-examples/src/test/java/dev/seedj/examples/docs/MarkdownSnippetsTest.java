package dev.seedj.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation's code compiled: every {@code ```java} block of README.md and docs/*.md must be
 * preceded by {@code <!-- snippet: FILE#NAME -->} and equal (after removing the common indentation) the
 * region {@code // snippet:NAME} ... {@code // end snippet} of {@code FILE} in this package, which the
 * build compiles and {@link QuickstartSnippetsTest} runs.
 */
class MarkdownSnippetsTest {
    private static final Pattern MARKER = Pattern.compile("<!-- snippet: (\\w+)\\.java#([\\w-]+) -->");
    private static final Path SNIPPETS = Path.of("src/test/java/dev/seedj/examples/docs");

    @Test
    void everyJavaBlockInTheDocsIsACompiledSnippet() throws IOException {
        List<Path> markdown = markdownFiles();
        assertTrue(markdown.stream().anyMatch(p -> p.endsWith("quickstart.md")), "docs/quickstart.md exists");
        int blocks = 0;
        for (Path file : markdown) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).strip().equals("```java")) {
                    continue;
                }
                blocks++;
                String where = file.getFileName() + ":" + (i + 1);
                Matcher marker = i > 0 ? MARKER.matcher(lines.get(i - 1).strip()) : MARKER.matcher("");
                if (!marker.matches()) {
                    fail(where + ": a ```java block must follow a line <!-- snippet: File.java#name --> naming the "
                            + "compiled snippet it shows");
                }
                List<String> block = new ArrayList<>();
                for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                    block.add(lines.get(i));
                }
                assertEquals(region(marker.group(1), marker.group(2)), String.join("\n", block),
                        where + " differs from " + marker.group(1) + ".java#" + marker.group(2));
            }
        }
        assertTrue(blocks >= 3, "the docs show the snippets (found " + blocks + " java blocks)");
    }

    @Test
    void regionExtractionRemovesTheCommonIndentation() throws IOException {
        String tokenize = region("QuickstartSnippets", "tokenize");
        assertTrue(tokenize.startsWith("try (SeedTokenizer tokenizer"), tokenize);
        assertFalse(tokenize.contains("// end snippet"), tokenize);
    }

    private static List<Path> markdownFiles() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    /** The lines between the region's markers, without their common leading spaces. */
    static String region(String className, String name) throws IOException {
        List<String> lines = Files.readAllLines(SNIPPETS.resolve(className + ".java"));
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("// snippet:" + name)) {
                start = i + 1;
            }
        }
        if (start < 0) {
            fail(className + ".java has no region // snippet:" + name);
        }
        int end = start;
        while (end < lines.size() && !lines.get(end).strip().equals("// end snippet")) {
            end++;
        }
        List<String> region = lines.subList(start, end);
        int indent = region.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        List<String> out = new ArrayList<>();
        for (String line : region) {
            out.add(line.isBlank() ? "" : line.substring(indent));
        }
        return String.join("\n", out);
    }
}
