package io.github.dl4jcompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.Map;

import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cli.ssl.SslLenetJob;
import io.github.dl4jcompress.cli.truenorth.TrueNorthCommand;
import io.github.dl4jcompress.cli.zoo.FilterZeroing;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.model.SimpleCNN;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import picocli.CommandLine;

/**
 * Deterministic by default: the CLI's seeded components, run twice with the same configuration, give the same result
 * — zoo zeroing, and tiny runs of the TrueNorth and SSL jobs (every field but wall-clock timings).
 */
class DeterminismTest {

    @Test
    void zooZeroingZeroesTheSameFiltersForTheSameSeed() {
        AnyNetwork a = AnyNetwork.of((MultiLayerNetwork) SimpleCNN.builder().numClasses(3).build().init());
        AnyNetwork b = AnyNetwork.of((MultiLayerNetwork) SimpleCNN.builder().numClasses(3).build().init());
        assertEquals(a.model().params(), b.model().params(), "the zoo network itself is seeded");
        assertEquals(FilterZeroing.apply(a, 5, false), FilterZeroing.apply(b, 5, false));
        assertEquals(a.model().params(), b.model().params());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> trueNorthRun(File dir) throws Exception {
        int code = new CommandLine(new TrueNorthCommand()).execute("--epochs", "1", "--finetune-epochs", "1",
                "--ramp-epochs", "1", "--hidden", "8", "--test-limit", "100", "--out", dir.getPath());
        assertEquals(0, code);
        Map<String, Object> json = new ObjectMapper().readValue(new File(dir, "truenorth.json"), Map.class);
        json.remove("seconds");
        json.remove("environment");
        return json;
    }

    @Test
    void trueNorthJobRepeatsItsResults(@TempDir File dir) throws Exception {
        Map<String, Object> first = trueNorthRun(new File(dir, "a"));
        Map<String, Object> second = trueNorthRun(new File(dir, "b"));
        assertEquals(first.get("float"), second.get("float"));
        assertEquals(first.get("grid"), second.get("grid"));
        assertEquals(first.get("training"), second.get("training"));
        assertEquals(first.get("savings"), second.get("savings"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sslRun(File dir) throws Exception {
        SslLenetJob.Settings s = new SslLenetJob.Settings();
        s.outputDir = dir;
        s.trainLimit = 64;
        s.baselineEpochs = 1;
        s.sslEpochs = 1;
        s.finetuneEpochs = 1;
        s.targetMacs = 0.5;
        s.shapesVariant = false;
        s.inferenceSeconds = 0.01;
        new SslLenetJob(s, FashionMnist.bundled()).run();
        return new ObjectMapper().readValue(new File(dir, "ssl-lenet.json"), Map.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void sslJobRepeatsItsResults(@TempDir File dir) throws Exception {
        Map<String, Object> first = sslRun(new File(dir, "a"));
        Map<String, Object> second = sslRun(new File(dir, "b"));
        for (String variant : new String[] {"baseline", "ssl"}) {
            Map<String, Object> a = (Map<String, Object>) first.get(variant);
            Map<String, Object> b = (Map<String, Object>) second.get(variant);
            for (String key : new String[] {"accuracy", "macs", "params", "filters", "channels", "shapes"}) {
                assertTrue(a.containsKey(key) == b.containsKey(key), variant + "." + key);
                assertEquals(a.get(key), b.get(key), variant + "." + key);
            }
        }
    }
}
