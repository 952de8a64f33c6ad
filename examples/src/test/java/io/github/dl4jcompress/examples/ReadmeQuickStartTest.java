package io.github.dl4jcompress.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's quick start is the compiled, tested region of {@link SslQuickStart}: the two cannot drift. */
class ReadmeQuickStartTest {

    @Test
    void readmeQuickStartIsTheExampleRegion() throws IOException {
        Path module = Path.of("").toAbsolutePath();
        List<String> source = Files.readAllLines(module.resolve("src/main/java/io/github/dl4jcompress/examples/SslQuickStart.java"));
        String region = between(source, "// tag::quickstart[]", "// end::quickstart[]");
        List<String> readme = Files.readAllLines(module.getParent().resolve("README.md"));
        String snippet = between(readme, "<!-- quickstart: examples/src/main/java/io/github/dl4jcompress/examples/SslQuickStart.java -->", "```");
        assertTrue(region.length() > 200, "quickstart region not found");
        assertEquals(region, snippet);
    }

    /** Lines strictly between the first line containing {@code start} and the next containing {@code end}, unindented by the region's first line. */
    private static String between(List<String> lines, String start, String end) {
        int from = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(start)) {
                from = i + 1;
                break;
            }
        }
        if (from < 0) {
            return "";
        }
        if (end.equals("```")) {
            from++;   // skip the ```java fence line
        }
        int to = from;
        while (to < lines.size() && !lines.get(to).contains(end)) {
            to++;
        }
        List<String> region = lines.subList(from, to);
        int indent = region.isEmpty() ? 0 : region.get(0).length() - region.get(0).stripLeading().length();
        return region.stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip()).collect(Collectors.joining("\n"));
    }
}
