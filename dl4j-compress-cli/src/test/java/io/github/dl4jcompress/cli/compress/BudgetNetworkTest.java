package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cli.models.SmallVgg;
import io.github.dl4jcompress.listeners.compress.CompressionReport;
import io.github.dl4jcompress.prune.AnyNetwork;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * BenchmarkJob.budgetNetwork: when the stop rule backs off, the JSON still reports the network fine-tuned at the budget
 * (its accuracies from the report, its speedup measured from the {@code finetune} checkpoint the same way as
 * {@code compressed.speedup}); when the budget's network is the result, nothing is added.
 */
class BudgetNetworkTest {

    private static MultiLayerNetwork vgg(int width) {
        MultiLayerNetwork n = new MultiLayerNetwork(SmallVgg.configuration(1, width, 0.01));
        n.init();
        return n;
    }

    private static CompressionReport.Snapshot snapshot(double validation, double test, long macs, double fraction) {
        CompressionReport.Snapshot s = new CompressionReport.Snapshot();
        s.accuracy = validation;
        s.testAccuracy = test;
        s.macs = macs;
        s.macFraction = fraction;
        s.layers = List.of();
        return s;
    }

    @Test
    void theRejectedBudgetNetworkIsReportedWithItsSpeedup(@TempDir File dir) throws Exception {
        MultiLayerNetwork dense = vgg(2);
        AnyNetwork.of(vgg(1)).save(new File(dir, "finetune.zip"));        // stands for the pruned, fine-tuned network
        CompressionReport r = new CompressionReport();
        r.baseline = snapshot(0.80, 0.81, 1000, 1.0);
        r.control = snapshot(0.85, 0.84, 1000, 1.0);
        r.compressed = snapshot(0.83, 0.82, 240, 0.24);
        r.backedOff = true;
        BenchmarkJob.Settings s = new BenchmarkJob.Settings();
        s.name = "test";
        INDArray[] batch = {Nd4j.rand(DataType.FLOAT, 4, 784)};
        Map<String, Object> m = BenchmarkJob.budgetNetwork(s, r, dir, AnyNetwork.of(dense), batch);
        assertEquals(0.82, (Double) m.get("accuracy"), 0, "test accuracy of the budget's network");
        assertEquals(0.83, (Double) m.get("validation"), 0);
        assertEquals(0.02, (Double) m.get("validationDrop"), 1e-12, "below the better of baseline (0.80) and control (0.85)");
        assertEquals(0.24, (Double) m.get("macsRatio"), 0);
        @SuppressWarnings("unchecked")
        Map<String, Object> speed = (Map<String, Object>) m.get("speedupMeasure");
        assertEquals((Double) speed.get("denseMs") / (Double) speed.get("compressedMs"), (Double) m.get("speedup"), 1e-12);
        assertEquals(4L, ((Number) speed.get("batch")).longValue());

        r.backedOff = false;
        assertNull(BenchmarkJob.budgetNetwork(s, r, dir, AnyNetwork.of(dense), batch), "the budget's network is the result: nothing to add");
        r.backedOff = true;
        assertNull(BenchmarkJob.budgetNetwork(s, r, new File(dir, "none"), AnyNetwork.of(dense), batch), "no checkpoint");
    }
}
