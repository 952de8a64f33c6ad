package io.github.dl4jcompress.cli.results;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc results-page}: regenerates {@code docs/results.md} from {@code results/**.json} (see {@link ResultsPage}).
 * A Java command rather than a script: it reads the JSON with the Jackson the project already has, needs nothing
 * installed beyond the build, and its test runs in {@code mvn verify} against the files actually checked in.
 */
@Command(name = "results-page", mixinStandardHelpOptions = true,
        description = "Write the results page (Markdown tables) from the JSON files of the results directory.")
public final class ResultsPageCommand implements Callable<Integer> {

    @Option(names = "--results", defaultValue = "results", description = "results directory (default ${DEFAULT-VALUE})")
    Path results;

    @Option(names = {"-o", "--output"}, defaultValue = "docs/results.md", description = "the page (default ${DEFAULT-VALUE})")
    Path output;

    @Override
    public Integer call() throws Exception {
        ResultsPage page = new ResultsPage(results, output);
        page.write();
        System.out.printf("wrote %s from %d JSON files under %s%n", output, page.files().size(), results);
        return 0;
    }
}
