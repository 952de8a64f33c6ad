package io.github.dl4jcompress.cli.results;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The results page: each JSON shape renders as the tables its Javadoc promises, and the checked-in page is current. */
class ResultsPageTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

    @Test
    void everyCheckedInJsonFileRendersAndTheCheckedInPageIsCurrent() throws IOException {
        ResultsPage page = new ResultsPage(ROOT.resolve("results"), ROOT.resolve("docs/results.md"));
        List<Path> files = page.files();
        assertTrue(files.size() >= 10, "results/*.json not found: " + files);
        String md = page.render();
        for (Path f : files) {
            String rel = "results/" + ROOT.resolve("results").relativize(f).toString().replace('\\', '/');
            assertTrue(md.contains("\n## " + rel + "\n"), "no section for " + rel);
        }
        assertEquals(md, Files.readString(ROOT.resolve("docs/results.md")),
                "docs/results.md is not what the JSON files give: run ./dl4jc results-page and commit docs/results.md");
    }

    @Test
    void objectsListsSeriesAndJmhBecomeTables() throws IOException {
        Path results = Files.createDirectories(dir.resolve("results"));
        Files.writeString(results.resolve("job.json"), "{\"accuracy\": 0.78941, \"settings\": {\"seed\": 7, \"epochs\": [1, 2]},"
                + " \"runs\": [{\"mode\": \"a|b\", \"seconds\": 120.847, \"curve\": [{\"x\": 1}, {\"x\": 2}]}, {\"mode\": \"c\", \"extra\": 1e-9}]}");
        Files.writeString(results.resolve("series.json"), "[{\"iteration\": 0, \"layer\": \"conv1\", \"zero\": 0},"
                + " {\"iteration\": 5, \"layer\": \"conv1\", \"zero\": 3}, {\"iteration\": 5, \"layer\": \"fc\", \"zero\": 12}]");
        Files.writeString(results.resolve("bench-jmh.json"), "[{\"benchmark\": \"a.b.Codec.encode\", \"mode\": \"avgt\","
                + " \"params\": {\"n\": \"1024\"}, \"primaryMetric\": {\"score\": 12.3456, \"scoreError\": 0.5, \"scoreUnit\": \"us/op\"}}]");
        String md = new ResultsPage(results, dir.resolve("docs/results.md")).render();

        assertTrue(md.contains("## results/job.json\n\nSource: [results/job.json](../results/job.json)\n\n"
                + "| field | value |\n|---|---|\n| accuracy | 0.7894 |\n| settings.seed | 7 |\n| settings.epochs | [1, 2] |\n\n"
                + "`runs`:\n\n| mode | seconds | curve | extra |\n|---|---|---|---|\n"
                + "| a\\|b | 120.8 | (2 rows below) |  |\n| c |  |  | 1.000e-09 |\n\n"
                + "`curve` of `a|b`:\n\n| x |\n|---|\n| 1 |\n| 2 |\n"), md);
        assertTrue(md.contains("3 rows over iterations 0..5; the last iteration:\n\n| iteration | layer | zero |\n|---|---|---|\n"
                + "| 5 | conv1 | 3 |\n| 5 | fc | 12 |\n"), md);
        assertTrue(md.contains("| Codec.encode | n=1024 | avgt | 12.35 | 0.5 | us/op |\n"), md);
        assertTrue(md.indexOf("## results/bench-jmh.json") < md.indexOf("## results/job.json"), "sections sorted by path");
        assertTrue(md.contains("- [results/job.json](#resultsjobjson)"), md);
    }

    @Test
    void aJobsCheckpointDirectoryIsNotPartOfThePage() throws IOException {
        Path results = Files.createDirectories(dir.resolve("results"));
        Files.writeString(results.resolve("job.json"), "{\"accuracy\": 0.5}");
        Path state = Files.createDirectories(results.resolve("job-ssl-checkpoints"));
        Files.writeString(state.resolve("report.json"), "{\"phase\": \"control\"}");
        ResultsPage page = new ResultsPage(results, dir.resolve("docs/results.md"));
        assertEquals(List.of(results.resolve("job.json").toAbsolutePath().normalize()), page.files());
        assertFalse(page.render().contains("checkpoints"));
    }

    @Test
    void invalidJsonNamesTheFile() throws IOException {
        Path results = Files.createDirectories(dir.resolve("results"));
        Files.writeString(results.resolve("broken.json"), "{\"a\": ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ResultsPage(results, dir.resolve("page.md")).render());
        assertTrue(e.getMessage().contains("broken.json"), e.getMessage());
    }

    @Test
    void numbersHaveFourSignificantDigits() {
        assertEquals("0.7894", ResultsPage.number(0.78941));
        assertEquals("1", ResultsPage.number(1.0));
        assertEquals("12350", ResultsPage.number(12345.678));
        assertEquals("1.490e-08", ResultsPage.number(1.4901161193847656E-8));
        assertEquals("0", ResultsPage.number(0.0));
    }
}
