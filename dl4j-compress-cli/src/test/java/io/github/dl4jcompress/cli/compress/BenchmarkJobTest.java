package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cli.Dl4jc;
import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.prune.InputShape;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.File;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ssl-resnet and compress-vgg on a sliver of the bundled data: they run the procedure and write the JSON the checks read. */
class BenchmarkJobTest {

    @SuppressWarnings("unchecked")
    private static void assertSchema(File json, int denseBlocks) throws Exception {
        Map<String, Object> root = new ObjectMapper().readValue(json, Map.class);
        Map<String, Object> baseline = (Map<String, Object>) root.get("baseline");
        Map<String, Object> control = (Map<String, Object>) root.get("control");
        Map<String, Object> compressed = (Map<String, Object>) root.get("compressed");
        for (String k : List.of("accuracy", "macs", "blocks")) {
            assertTrue(baseline.get(k) instanceof Number, "baseline." + k);
        }
        assertTrue(control.get("accuracy") instanceof Number, "control.accuracy");
        for (String k : List.of("accuracy", "macs", "macsRatio", "blocks", "speedup")) {
            assertTrue(compressed.get(k) instanceof Number, "compressed." + k);
        }
        assertEquals(denseBlocks, ((Number) baseline.get("blocks")).intValue());
        assertTrue(((Number) compressed.get("macs")).longValue() <= ((Number) baseline.get("macs")).longValue());
    }

    @Test
    void sslResnetCountsNineResidualBlocks(@TempDir File dir) throws Exception {
        int code = new CommandLine(new Dl4jc()).execute("ssl-resnet", "--out", dir.getPath(), "--width", "2", "--train-limit", "200", "--test-limit", "300",
                "--epochs", "1", "--ssl-epochs", "2", "--finetune-epochs", "1", "--target-macs", "0.7", "--max-drop", "0.5");
        assertEquals(0, code);
        assertSchema(new File(dir, "ssl-resnet.json"), 9);
        assertTrue(new File(dir, "ssl-resnet.png").isFile() && new File(dir, "ssl-resnet.html").isFile());
        assertTrue(new File(dir, "ssl-resnet-depth.png").isFile(), "depth-vs-accuracy chart");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> depth = (List<Map<String, Object>>) new ObjectMapper().readValue(new File(dir, "ssl-resnet.json"), Map.class).get("depthTable");
        assertEquals("baseline", depth.get(0).get("network"));
        assertEquals(9, ((Number) depth.get(0).get("blocks")).intValue());
        assertEquals(20, ((Number) depth.get(0).get("layers")).intValue());
        // the pruned (fine-tuned) network against the dense one, both on DL4J's layers, whatever the stop rule returned
        @SuppressWarnings("unchecked")
        Map<String, Object> pruned = (Map<String, Object>) new ObjectMapper().readValue(new File(dir, "ssl-resnet.json"), Map.class).get("prunedSpeedup");
        assertEquals("finetune", pruned.get("network"));
        assertEquals(64, ((Number) pruned.get("batch")).intValue());
        double ratio = ((Number) pruned.get("denseMs")).doubleValue() / ((Number) pruned.get("prunedMs")).doubleValue();
        assertEquals(ratio, ((Number) pruned.get("speedup")).doubleValue(), 1e-9);
        assertEquals(depth.stream().filter(r -> "finetune".equals(r.get("network"))).findFirst().orElseThrow().get("blocks"), pruned.get("blocks"));
    }

    /**
     * --baseline-only trains and saves the baseline and stops; --baseline reuses it (not retrained: with 0 baseline epochs
     * the JSON's baseline accuracy is the saved network's on the same test slice, and its path is in the settings); a
     * baseline of another width is refused before anything is written.
     */
    @Test
    @SuppressWarnings("unchecked")
    void sslResnetReusesASavedBaseline(@TempDir File dir) throws Exception {
        List<String> common = List.of("ssl-resnet", "--out", dir.getPath(), "--width", "2", "--train-limit", "200", "--test-limit", "300",
                "--ssl-epochs", "1", "--finetune-epochs", "1", "--target-macs", "0.7", "--max-drop", "0.5");
        List<String> only = new java.util.ArrayList<>(common);
        only.addAll(List.of("--epochs", "1", "--baseline-only"));
        assertEquals(0, new CommandLine(new Dl4jc()).execute(only.toArray(new String[0])));
        File saved = new File(dir, "ssl-resnet-baseline.zip");
        assertTrue(saved.isFile(), "baseline saved");
        assertFalse(new File(dir, "ssl-resnet.json").exists(), "--baseline-only stops after the baseline");

        List<String> reuse = new java.util.ArrayList<>(common);
        reuse.addAll(List.of("--epochs", "0", "--baseline", saved.getPath()));
        assertEquals(0, new CommandLine(new Dl4jc()).execute(reuse.toArray(new String[0])));
        Map<String, Object> root = new ObjectMapper().readValue(new File(dir, "ssl-resnet.json"), Map.class);
        assertEquals(saved.getAbsolutePath(), new File((String) ((Map<String, Object>) root.get("settings")).get("baselineModel")).getAbsolutePath());
        Map<String, Object> baseline = (Map<String, Object>) root.get("baseline");
        assertEquals(0.0, ((Number) baseline.get("trainSeconds")).doubleValue());
        DataSet test = (DataSet) FashionMnist.bundled().test().getRange(0, 300);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(saved, false);
        double expected = restored.evaluate(ImageBatches.of(test, 500, 0, false, new InputShape(1, FashionMnist.SIDE, FashionMnist.SIDE))).accuracy();
        assertEquals(expected, ((Number) baseline.get("accuracy")).doubleValue(), 1e-9, "the saved baseline's test accuracy");

        File other = new File(dir, "other");
        List<String> wrong = new java.util.ArrayList<>(common);
        wrong.set(wrong.indexOf("2"), "3");
        wrong.set(wrong.indexOf(dir.getPath()), other.getPath());
        wrong.addAll(List.of("--epochs", "0", "--baseline", saved.getPath()));
        assertTrue(new CommandLine(new Dl4jc()).execute(wrong.toArray(new String[0])) != 0, "a width-3 run refuses a width-2 baseline");
        assertFalse(new File(other, "ssl-resnet.json").exists());
    }

    @Test
    void compressVggCountsSixConvLayers(@TempDir File dir) throws Exception {
        int code = new CommandLine(new Dl4jc()).execute("compress-vgg", "--out", dir.getPath(), "--width", "2", "--train-limit", "200", "--test-limit", "300",
                "--epochs", "1", "--ssl-epochs", "2", "--finetune-epochs", "1", "--target-macs", "0.7", "--max-drop", "0.5");
        assertEquals(0, code);
        assertSchema(new File(dir, "compress-vgg.json"), 6);
    }
}
