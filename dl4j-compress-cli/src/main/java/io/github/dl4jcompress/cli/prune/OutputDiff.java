package io.github.dl4jcompress.cli.prune;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * How far two networks' outputs are apart: the largest {@code max|a-b| / max(1, max|a|)} over all
 * outputs, the same relative measure the pruner's own verification uses. Shape mismatch is infinite.
 */
public final class OutputDiff {

    private OutputDiff() {
    }

    public static double relativeMaxAbs(INDArray[] expected, INDArray[] actual) {
        if (expected.length != actual.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            if (!Arrays.equals(expected[i].shape(), actual[i].shape())) {
                return Double.POSITIVE_INFINITY;
            }
            double scale = Math.max(1.0, expected[i].amaxNumber().doubleValue());
            double d = expected[i].sub(actual[i]).amaxNumber().doubleValue() / scale;
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            worst = Math.max(worst, d);
        }
        return worst;
    }
}
