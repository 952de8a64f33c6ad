package io.github.dl4jcompress.cli.spark;

import java.io.File;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** results/spark.json merging (each job replaces only its own runs) and option validation; no Spark job. */
class SparkJobRunnerTest {

    private static SparkJobOptions options(File out, String... extra) {
        SparkJobOptions o = new SparkJobOptions();
        String[] args = new String[extra.length + 2];
        args[0] = "--out";
        args[1] = out.getPath();
        System.arraycopy(extra, 0, args, 2, extra.length);
        new CommandLine(o).parseArgs(args);
        return o;
    }

    private static Map<String, Object> run(String job, String mode, double accuracy) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("job", job);
        r.put("mode", mode);
        r.put("accuracy", accuracy);
        r.put("seconds", 1.0);
        r.put("bytesSent", 10L);
        r.put("accuracyByEpoch", List.of(accuracy / 2, accuracy));
        return r;
    }

    @Test
    void eachJobReplacesOnlyItsOwnRunsAndAnotherMasterStartsOver(@TempDir Path dir) throws Exception {
        SparkJobOptions o = options(dir.toFile());
        new SparkJobRunner(o, "spark-ssl").write(List.of(run("spark-ssl", "averaging", 0.5), run("spark-ssl", "threshold", 0.4)), "a");
        new SparkJobRunner(o, "spark-terngrad").write(List.of(run("spark-terngrad", "terngradGlobal", 0.3)), "b");
        new SparkJobRunner(o, "spark-ssl").write(List.of(run("spark-ssl", "averaging", 0.6)), "c");
        JsonNode json = new ObjectMapper().readTree(new File(dir.toFile(), "spark.json"));
        assertEquals("local-cluster[2,1,1536]", json.get("master").asText());
        assertEquals(2, json.get("executors").asInt());
        assertEquals(2, json.get("runs").size());
        assertEquals("terngradGlobal", json.get("runs").get(0).get("mode").asText());
        assertEquals(0.6, json.get("runs").get(1).get("accuracy").asDouble());
        assertEquals("c", json.get("commands").get("spark-ssl").asText());
        assertEquals("b", json.get("commands").get("spark-terngrad").asText());
        assertTrue(new File(dir.toFile(), "spark-ssl.png").length() > 1000, "accuracy chart written");
        assertTrue(new File(dir.toFile(), "spark-terngrad.png").length() > 1000, "accuracy chart written");

        new SparkJobRunner(options(dir.toFile(), "--master", "local[1]"), "spark-ssl").write(List.of(run("spark-ssl", "averaging", 0.7)), "d");
        json = new ObjectMapper().readTree(new File(dir.toFile(), "spark.json"));
        assertEquals("local[1]", json.get("master").asText());
        assertEquals(1, json.get("runs").size());
    }

    @Test
    void classpathEntriesBecomeAbsoluteKeepingWildcards() {
        String saved = System.getProperty("java.class.path");
        try {
            System.setProperty("java.class.path", "a.jar" + File.pathSeparator + "lib/*");
            String[] cp = SparkJobRunner.absoluteClasspath().split(File.pathSeparator);
            assertEquals(new File("a.jar").getAbsolutePath(), cp[0]);
            assertEquals(new File("lib").getAbsolutePath() + File.separator + "*", cp[1]);
        } finally {
            System.setProperty("java.class.path", saved);
        }
    }

    @Test
    void sparkSubmitsMasterIsUsedWithoutMasterOptionAndAConflictingOneIsRejected(@TempDir Path dir) {
        String saved = System.getProperty("spark.master");
        try {
            System.setProperty("spark.master", "spark://127.0.0.1:7077"); // what spark-submit sets in the driver JVM
            assertEquals("spark://127.0.0.1:7077", new SparkJobRunner(options(dir.toFile()), "spark-ssl").master());
            assertEquals("spark://127.0.0.1:7077",
                    new SparkJobRunner(options(dir.toFile(), "--master", "spark://127.0.0.1:7077"), "spark-ssl").master());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SparkJobRunner(options(dir.toFile(), "--master", "local[1]"), "spark-ssl"));
            assertEquals("--master local[1] differs from the master spark-submit gave (spark://127.0.0.1:7077); "
                    + "omit --master to use spark-submit's", e.getMessage());
            System.clearProperty("spark.master");
            assertEquals("local-cluster[2,1,1536]", new SparkJobRunner(options(dir.toFile()), "spark-ssl").master());
        } finally {
            if (saved == null) {
                System.clearProperty("spark.master");
            } else {
                System.setProperty("spark.master", saved);
            }
        }
    }

    @Test
    void badOptionsAreRejected(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> new SparkJobRunner(options(dir.toFile(), "--epochs", "0"), "spark-ssl"));
        assertThrows(IllegalArgumentException.class, () -> new SparkJobRunner(options(dir.toFile(), "--executors", "0"), "spark-ssl"));
    }
}
