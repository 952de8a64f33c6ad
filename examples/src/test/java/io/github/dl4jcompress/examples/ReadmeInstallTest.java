package io.github.dl4jcompress.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The integration test {@code src/it/readme-install} (a fresh user project, run by maven-invoker-plugin in
 * {@code mvn verify}) depends on exactly the README's Install lines: the first XML block of the Install section is,
 * line for line, the {@code <dependencies>} of its POM.
 */
class ReadmeInstallTest {

    @Test
    void integrationTestProjectDependsOnExactlyTheReadmeInstallLines() throws IOException {
        Path module = Path.of("").toAbsolutePath();
        String readme = Files.readString(module.getParent().resolve("README.md"));
        String install = readme.substring(readme.indexOf("## Install"), readme.indexOf("\n## ", readme.indexOf("## Install") + 1));
        Matcher xml = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL).matcher(install);
        assertTrue(xml.find(), "no ```xml block in the README's Install section");

        String pom = Files.readString(module.resolve("src/it/readme-install/pom.xml"));
        Matcher deps = Pattern.compile("<dependencies>\\n(.*?)\\n\\s*</dependencies>", Pattern.DOTALL).matcher(pom);
        assertTrue(deps.find(), "no <dependencies> in src/it/readme-install/pom.xml");

        assertTrue(xml.group(1).contains("<artifactId>dl4j-compress-core</artifactId>"), "the Install lines lost the core");
        assertEquals(stripped(xml.group(1)), stripped(deps.group(1)));
    }

    @Test
    void examplesDependOnlyOnWhatTheInstallSectionNames() throws IOException {
        Path module = Path.of("").toAbsolutePath();
        String readme = Files.readString(module.getParent().resolve("README.md"));
        String install = readme.substring(readme.indexOf("## Install"), readme.indexOf("\n## ", readme.indexOf("## Install") + 1));
        String pom = Files.readString(module.resolve("pom.xml"));
        String dependencies = pom.substring(pom.indexOf("<dependencies>"), pom.indexOf("</dependencies>"));
        Matcher dependency = Pattern.compile("<dependency>\\s*<groupId>[^<]+</groupId>\\s*<artifactId>([^<]+)</artifactId>(.*?)</dependency>",
                Pattern.DOTALL).matcher(dependencies);
        int checked = 0;
        while (dependency.find()) {
            if (dependency.group(2).contains("<scope>test</scope>")) {
                continue;
            }
            assertTrue(install.contains(dependency.group(1)), "examples use " + dependency.group(1)
                    + ", which the README's Install section does not name");
            checked++;
        }
        assertTrue(checked >= 5, "found only " + checked + " dependencies in examples/pom.xml");
    }

    private static String stripped(String block) {
        return block.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }
}
