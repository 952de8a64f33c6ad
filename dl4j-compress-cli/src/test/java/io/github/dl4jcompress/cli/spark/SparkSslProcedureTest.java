package io.github.dl4jcompress.cli.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.dl4jcompress.cli.CliRun;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** {@code dl4jc spark-ssl --modes procedure} runs the SSL procedure's phases on Spark and saves what it returns. */
class SparkSslProcedureTest {

    @Test
    void theProcedureModeGoesThroughEveryPhaseOnSparkAndSavesItsResult(@TempDir Path dir) throws Exception {
        CliRun run = CliRun.of("spark-ssl", "--modes", "procedure", "--master", "local[2]", "--train-size", "600",
                "--test-size", "200", "--epochs", "1", "--ssl-epochs", "2", "--finetune-epochs", "1",
                "--target-macs", "0.5", "--max-drop", "0.05", "--out", dir.toString());
        assertEquals(0, run.code(), run.stderr());
        JsonNode r = new ObjectMapper().readTree(new File(dir.toFile(), "spark.json")).path("runs").get(0);
        assertEquals("procedure", r.path("mode").asText());
        List<String> phases = new ArrayList<>();
        r.path("phases").forEach(p -> phases.add(p.asText()));
        assertTrue(phases.containsAll(List.of("baseline", "control", "sparsify-1", "prune-1", "finetune", "final")), phases.toString());
        assertTrue(r.path("averagingRounds").asInt() > 0, "no averaging round ran on Spark");
        MultiLayerNetwork saved = ModelSerializer.restoreMultiLayerNetwork(new File(r.path("model").asText()), false);
        assertEquals(r.path("paramsAfter").asLong(), saved.numParams());
    }
}
