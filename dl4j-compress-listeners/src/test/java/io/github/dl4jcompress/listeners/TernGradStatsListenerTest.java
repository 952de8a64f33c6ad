package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.SegmentStatistics;
import io.github.dl4jcompress.terngrad.TernGradGradientsAccumulator;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TernGradStatsListenerTest {

    /** Hand-computed aggregation: two workers' messages for iteration 3, one for iteration 4. */
    @Test
    void aggregatesMessagesPerIterationIntoCsvAndJson(@TempDir File dir) throws Exception {
        TernGradStatsListener l = new TernGradStatsListener(dir, "stats", 1);
        // worker A, iteration 3: W 100 elements (40 non-zero, 2 clipped, s=0.5), b 10 elements (5 non-zero, 0 clipped, s=0.1)
        l.ternarized(3, 0, 100, List.of(new SegmentStatistics("W", 100, 0.2, 0.5, 0.5f, 2, 40),
                new SegmentStatistics("b", 10, 0.05, 0.125, 0.1f, 0, 5)));
        // worker B, iteration 3: W 100 (20 non-zero, 4 clipped, s=0.25), b 10 (1 non-zero, 1 clipped, s=0.3)
        l.ternarized(3, 0, 100, List.of(new SegmentStatistics("W", 100, 0.1, 0.25, 0.25f, 4, 20),
                new SegmentStatistics("b", 10, 0.12, 0.3, 0.3f, 1, 1)));
        l.ternarized(4, 1, 100, List.of(new SegmentStatistics("W", 100, 0.1, 0.25, 0.25f, 0, 10),
                new SegmentStatistics("b", 10, 0.12, 0.3, 0.3f, 0, 0)));
        l.write();

        List<String> csv = Files.readAllLines(new File(dir, "stats.csv").toPath());
        assertEquals("iteration,epoch,messages,bytesSent,fp32Bytes,bytesPerMessage,compressionRatio,density,clippedFraction,scaler_W,scaler_b",
                csv.get(0));
        assertEquals(3, csv.size());
        String[] row = csv.get(1).split(",");
        assertEquals("3", row[0]);
        assertEquals("0", row[1]);
        assertEquals("2", row[2]);
        assertEquals(200, Long.parseLong(row[3]));
        assertEquals(4 * 220, Long.parseLong(row[4]));            // 4 bytes × (110 + 110) elements
        assertEquals(100.0, Double.parseDouble(row[5]), 1e-12);
        assertEquals(880.0 / 200, Double.parseDouble(row[6]), 1e-12);
        assertEquals(66.0 / 220, Double.parseDouble(row[7]), 1e-12); // (40+5+20+1)/220
        assertEquals(7.0 / 220, Double.parseDouble(row[8]), 1e-12);  // (2+0+4+1)/220
        assertEquals(0.375, Double.parseDouble(row[9]), 1e-7);       // mean(0.5, 0.25)
        assertEquals(0.2, Double.parseDouble(row[10]), 1e-7);        // mean(0.1, 0.3)
        assertEquals("4", csv.get(2).split(",")[0]);
        assertEquals("1", csv.get(2).split(",")[2]);

        JsonNode json = new ObjectMapper().readTree(new File(dir, "stats.json"));
        assertEquals(2, json.size());
        assertEquals(3, json.get(0).get("iteration").asInt());
        assertEquals(200, json.get(0).get("bytesSent").asLong());
        assertEquals(66.0 / 220, json.get(0).get("density").asDouble(), 1e-12);
        assertEquals(0.375, json.get(0).get("scalers").get("W").asDouble(), 1e-7);
        assertEquals(10.0 / 110, json.get(1).get("density").asDouble(), 1e-12);
        assertEquals(100.0, l.meanBytesPerMessage(), 1e-12);
        assertTrue(new File(dir, "stats.png").length() > 0);
        assertTrue(new File(dir, "stats-scalers.png").length() > 0);
    }

    /** A real 2-worker ParallelWrapper run in per-layer mode: one row per iteration, exact message size. */
    @Test
    @Timeout(60)
    void tinyParallelWrapperRunRecordsEveryMessage(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).updater(new Sgd(0.05)).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(9).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(9).nOut(3).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        int n = (int) net.numParams(); // 6·9+9 + 9·3+3 = 93
        TernGradStatsListener stats = new TernGradStatsListener(dir, "tiny", 1);
        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net).workers(2).prefetchBuffer(2)
                .trainingMode(ParallelWrapper.TrainingMode.CUSTOM)
                .gradientsAccumulator(TernGradGradientsAccumulator.forModel(net, 2, 11).observer(stats))
                .build();
        Nd4j.getRandom().setSeed(3);
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            DataSet d = new DataSet(Nd4j.randn(8, 6), Nd4j.zeros(8, 3));
            for (int r = 0; r < 8; r++) {
                d.getLabels().putScalar(r, r % 3, 1.0);
            }
            batches.add(d);
        }
        wrapper.fit(new ListDataSetIterator<>(batches, 1));
        stats.write();

        long expectedBytes = TernaryMessage.sizeInBytes(4, n);
        assertEquals(20 + 8 * 4 + (n + 3) / 4, expectedBytes);
        List<String> csv = Files.readAllLines(new File(dir, "tiny.csv").toPath());
        assertEquals("iteration,epoch,messages,bytesSent,fp32Bytes,bytesPerMessage,compressionRatio,density,clippedFraction,"
                + "scaler_0_W,scaler_0_b,scaler_1_W,scaler_1_b", csv.get(0));
        assertEquals(1 + 5, csv.size(), "10 batches over 2 workers = 5 iterations: " + csv);
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",");
            assertEquals("2", f[2], line);
            assertEquals(2 * expectedBytes, Long.parseLong(f[3]), line);
            assertEquals(2L * 4 * n, Long.parseLong(f[4]), line);
            double density = Double.parseDouble(f[7]);
            assertTrue(density > 0 && density <= 1, line);
            for (int c = 9; c < 13; c++) {
                assertTrue(Double.parseDouble(f[c]) > 0, "scaler column " + c + " of " + line);
            }
        }
        assertEquals(expectedBytes, stats.meanBytesPerMessage(), 1e-9);
    }
}
