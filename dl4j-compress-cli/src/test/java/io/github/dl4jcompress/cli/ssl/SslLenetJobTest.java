package io.github.dl4jcompress.cli.ssl;

import io.github.dl4jcompress.cli.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.File;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job on a sliver of the bundled data: the procedure runs for both variants and the JSON has the promised schema. */
class SslLenetJobTest {

    @Test
    @SuppressWarnings("unchecked")
    void aTinyRunWritesTheSchemaWithPrunedVariantsThatKeepTheirOutputs(@TempDir File dir) throws Exception {
        SslLenetJob.Settings s = new SslLenetJob.Settings();
        s.outputDir = dir;
        s.trainLimit = 256;
        s.baselineEpochs = 1;
        s.sslEpochs = 1;
        s.finetuneEpochs = 1;
        s.targetMacs = 0.5;
        s.maxDrop = 0.5;
        s.shapesVariant = true;
        s.inferenceSeconds = 0.05;
        new SslLenetJob(s, FashionMnist.bundled()).run();

        Map<String, Object> json = new ObjectMapper().readValue(new File(dir, "ssl-lenet.json"), Map.class);
        assertEquals(Map.of("train", 230, "validation", 26, "test", 5000), json.get("examples"));
        assertTrue(((Map<String, Object>) json.get("control")).get("accuracy") instanceof Number, "control.accuracy");
        Map<String, Object> base = (Map<String, Object>) json.get("baseline");
        assertEquals(List.of(20, 50), base.get("filters"));
        assertEquals(List.of(1, 20), base.get("channels"));
        assertEquals(2307720, ((Number) base.get("macs")).intValue());
        for (String variant : List.of("ssl", "sslShapes")) {
            Map<String, Object> v = (Map<String, Object>) json.get(variant);
            for (String key : List.of("accuracy", "macs", "params", "filters", "channels", "shapes", "inferenceSpeedup", "prunedMaxAbsDiff")) {
                assertTrue(v.containsKey(key), variant + " lacks " + key);
            }
            assertTrue(((Number) v.get("prunedMaxAbsDiff")).doubleValue() < 1e-4, variant + ": pruning changed the outputs");
            assertTrue(((Number) v.get("macs")).longValue() <= 2307720L);
        }
        assertTrue(new File(dir, "ssl-lenet.png").length() > 1000);
        assertTrue(new File(dir, "ssl-lenet-ssl-pruned.zip").isFile());
    }
}
