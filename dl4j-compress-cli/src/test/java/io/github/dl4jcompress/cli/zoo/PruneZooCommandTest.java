package io.github.dl4jcompress.cli.zoo;

import io.github.dl4jcompress.cli.Dl4jc;
import io.github.dl4jcompress.prune.AnyNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.model.SimpleCNN;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code dl4jc prune-zoo} on the two smallest zoo models, and the filter zeroing it relies on. */
class PruneZooCommandTest {

    @TempDir
    Path dir;

    @Test
    void zeroesBetweenThirtyAndFiftyPercentOfEveryConvLayerAndKeepsOne() {
        AnyNetwork net = AnyNetwork.of((MultiLayerNetwork) SimpleCNN.builder().numClasses(3).build().init());
        int zeroed = FilterZeroing.apply(net, 1, false);
        int total = 0;
        for (Layer l : net.layers()) {
            if (l.conf().getLayer().getClass() != org.deeplearning4j.nn.conf.layers.ConvolutionLayer.class) {
                continue;
            }
            INDArray w = l.getParam("W");
            int filters = (int) w.size(0);
            INDArray norms = w.dup('c').reshape(filters, w.length() / filters).norm2(1);
            int zero = 0;
            for (int o = 0; o < filters; o++) {
                if (norms.getDouble(o) == 0.0) {
                    zero++;
                    assertEquals(0.0, l.getParam("b").getDouble(o), "bias of a zeroed filter");
                }
            }
            assertTrue(zero >= Math.floor(0.3 * filters) && zero <= Math.ceil(0.5 * filters), zero + " of " + filters);
            assertTrue(zero < filters);
            total += zero;
        }
        assertEquals(total, zeroed);
    }

    @Test
    @SuppressWarnings("unchecked")
    void writesOneEquivalentRowPerModel() throws Exception {
        File out = dir.resolve("zoo.json").toFile();
        CommandLine cli = new CommandLine(new Dl4jc());
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int code = cli.execute("prune-zoo", "--models", "LeNet,SimpleCNN", "--repeats", "1", "--out", out.getPath());
        assertEquals(0, code);

        List<Map<String, Object>> rows = new ObjectMapper().readValue(out, List.class);
        assertEquals(List.of("LeNet", "SimpleCNN"), rows.stream().map(r -> r.get("model")).toList());
        for (Map<String, Object> r : rows) {
            assertEquals("pruned", r.get("status"), r.toString());
            assertTrue(((Number) r.get("maxAbsDiff")).doubleValue() <= 1e-4, r.toString());
            assertTrue(((Number) r.get("macsRatio")).doubleValue() < 0.8, r.toString());
            assertTrue(((Number) r.get("paramsRatio")).doubleValue() < 0.8, r.toString());
            assertTrue(((Number) r.get("speedup")).doubleValue() > 0, r.toString());
        }
    }

    @Test
    void unknownModelNameIsRejected() {
        CommandLine cli = new CommandLine(new Dl4jc());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertEquals(2, cli.execute("prune-zoo", "--models", "NoSuchNet", "--out", dir.resolve("z.json").toString()));
        assertTrue(err.toString().contains("unknown model"), err.toString());
        assertFalse(dir.resolve("z.json").toFile().exists());
    }
}
