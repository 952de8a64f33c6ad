package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers for the pruning tests: zeroing structured groups in place and comparing outputs. */
final class PruneTestSupport {

    static final double TOLERANCE = 1e-5;

    private PruneTestSupport() {
    }

    static INDArray random(long... shape) {
        return Nd4j.randn(DataType.DOUBLE, shape);
    }

    /** Zeroes output filter {@code o} of a conv layer (W [nOut,nIn,kH,kW]); bias too if {@code withBias}. */
    static void zeroConvFilter(Layer layer, int o, boolean withBias) {
        INDArray w = layer.getParam("W");
        long[] s = w.shape();
        for (long i = 0; i < s[1]; i++) {
            for (long y = 0; y < s[2]; y++) {
                for (long x = 0; x < s[3]; x++) {
                    w.putScalar(new long[] {o, i, y, x}, 0.0);
                }
            }
        }
        if (withBias) {
            layer.getParam("b").putScalar(o, 0.0);
        }
    }

    /** Zeroes output unit {@code o} of a dense layer (W [nIn,nOut]); bias too if {@code withBias}. */
    static void zeroDenseUnit(Layer layer, int o, boolean withBias) {
        INDArray w = layer.getParam("W");
        for (long i = 0; i < w.size(0); i++) {
            w.putScalar(new long[] {i, o}, 0.0);
        }
        if (withBias) {
            layer.getParam("b").putScalar(o, 0.0);
        }
    }

    /** Gives batch norm layers non-trivial statistics so that constant channels map to non-zero values. */
    static void randomiseBatchNorm(Layer bn, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (String key : new String[] {"gamma", "beta", "mean"}) {
            INDArray p = bn.getParam(key);
            p.assign(Nd4j.rand(p.dataType(), p.shape()).subi(0.5));
        }
        INDArray var = bn.getParam("var");
        if (var != null) {
            var.assign(Nd4j.rand(var.dataType(), var.shape()).addi(0.5));
        } else {
            INDArray log10std = bn.getParam("log10stdev");
            log10std.assign(Nd4j.rand(log10std.dataType(), log10std.shape()).subi(0.5).muli(0.4));
        }
    }

    /** Relative max-abs difference: max|a-b| / max(1, max|a|). */
    static double relativeDiff(INDArray expected, INDArray actual) {
        assertTrue(java.util.Arrays.equals(expected.shape(), actual.shape()),
                "shapes differ: " + java.util.Arrays.toString(expected.shape()) + " vs " + java.util.Arrays.toString(actual.shape()));
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        return expected.sub(actual).amaxNumber().doubleValue() / scale;
    }

    static void assertEquivalent(INDArray expected, INDArray actual) {
        double d = relativeDiff(expected, actual);
        assertTrue(d <= TOLERANCE, "outputs differ by " + d);
    }

    static INDArray paramsCopy(Model m) {
        return m.params().dup();
    }
}
