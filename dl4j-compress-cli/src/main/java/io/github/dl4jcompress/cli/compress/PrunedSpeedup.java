package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cost.Median;
import io.github.dl4jcompress.prune.AnyNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Speedup of a compressed network over the dense one with both run the same way, in one process: the median
 * inference time of a batch on DL4J's layers (both restored) and on the project's lowered layers ({@code Lowering.lower}
 * on both), each pair measured in interleaved rounds so that both sides see the same machine load. Unlike
 * {@code CompressionReport.speedup} (dense on DL4J's layers vs the result as returned, lowered where faster) it
 * measures pruning alone, not lowering.
 */
public final class PrunedSpeedup {

    private static final int ROUNDS = 5;

    private PrunedSpeedup() {
    }

    /**
     * Keys {@code denseMs, compressedMs, speedup} (lowered on both sides) and {@code denseDl4jMs, compressedDl4jMs,
     * speedupDl4j} (DL4J's layers on both sides), median milliseconds per forward pass of {@code batch}.
     */
    public static Map<String, Object> measure(AnyNetwork dense, AnyNetwork compressed, INDArray[] batch, int repeats) {
        AnyNetwork denseDl4j = dense.restored();
        AnyNetwork compressedDl4j = compressed.restored();
        double[] dl4j = interleaved(denseDl4j, compressedDl4j, batch, repeats);
        double[] lowered = interleaved(denseDl4j.lowered(), compressedDl4j.lowered(), batch, repeats);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("denseMs", lowered[0]);
        m.put("compressedMs", lowered[1]);
        m.put("speedup", lowered[0] / lowered[1]);
        m.put("denseDl4jMs", dl4j[0]);
        m.put("compressedDl4jMs", dl4j[1]);
        m.put("speedupDl4j", dl4j[0] / dl4j[1]);
        m.put("batch", batch[0].size(0));
        return m;
    }

    private static double[] interleaved(AnyNetwork a, AnyNetwork b, INDArray[] batch, int repeats) {
        double[] ta = new double[ROUNDS];
        double[] tb = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            boolean aFirst = i % 2 == 0;
            if (aFirst) {
                ta[i] = a.latencyMs(batch, repeats);
            }
            tb[i] = b.latencyMs(batch, repeats);
            if (!aFirst) {
                ta[i] = a.latencyMs(batch, repeats);
            }
        }
        return new double[]{Median.of(ta), Median.of(tb)};
    }
}
