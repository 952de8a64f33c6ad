package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.github.dl4jcompress.prune.PruneTestSupport.zeroConvFilter;
import static io.github.dl4jcompress.prune.PruneTestSupport.zeroDenseUnit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's INFO summary: counts, one line per layer with parameters, no index lists; toString keeps the indices. */
class PruneReportSummaryTest {

    @Test
    void oneCountLinePerWeightedLayerAndNoIndexLists() {
        MultiLayerNetwork net = MultiLayerPruneTest.cnn(true, ConvolutionMode.Truncate);
        zeroConvFilter(net.getLayer(0), 1, true);
        zeroConvFilter(net.getLayer(0), 4, true);
        zeroConvFilter(net.getLayer(4), 0, true);
        zeroDenseUnit(net.getLayer(6), 9, true);
        PruneReport report = StructuredPruner.builder().build().prune(net).report();

        List<String> lines = report.summaryLines();
        assertEquals(String.format("pruned: params %d -> %d (%.1f%%), outputs preserved", report.paramsBefore(),
                report.paramsAfter(), 100.0 * report.paramsAfter() / report.paramsBefore()), lines.get(0));
        assertEquals(List.of(
                "conv1 6 -> 4 filters",
                "bn1 6 -> 4 channels, 2 input channels removed",
                "conv2 8 -> 7 filters, 2 input channels removed (1 folded into the bias)",
                "dense 10 -> 9 units, 1 input channel removed",
                "out 3 -> 3 units, 1 input channel removed"), lines.stream().filter(l -> !l.startsWith("pruned:")
                && !l.startsWith("relu1") && !l.startsWith("pool")).toList());
        assertFalse(String.join("\n", lines).contains("["), "index lists belong to toString (DEBUG), not the summary");
        assertTrue(report.toString().contains("removedIn=[1, 4]"), report.toString());
    }
}
