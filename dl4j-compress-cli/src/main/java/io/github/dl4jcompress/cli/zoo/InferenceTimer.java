package io.github.dl4jcompress.cli.zoo;

import io.github.dl4jcompress.cost.Median;
import io.github.dl4jcompress.prune.AnyNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;


/**
 * Median wall-clock times of inference-mode forward passes of two networks on the same input, after
 * warm-up, with the timed runs interleaved (a, b, a, b, ...) so that load from other processes on a
 * shared machine hits both alike.
 */
public final class InferenceTimer {

    private InferenceTimer() {
    }

    /** {@code [median ms of a, median ms of b]}. */
    public static double[] medianMillis(AnyNetwork a, AnyNetwork b, INDArray input, int warmup, int repeats) {
        for (int i = 0; i < warmup; i++) {
            a.output(input);
            b.output(input);
        }
        int n = Math.max(1, repeats);
        double[] ta = new double[n];
        double[] tb = new double[n];
        for (int i = 0; i < n; i++) {
            ta[i] = time(a, input);
            tb[i] = time(b, input);
        }
        return new double[] {Median.of(ta), Median.of(tb)};
    }

    private static double time(AnyNetwork net, INDArray input) {
        long t0 = System.nanoTime();
        net.output(input);
        return (System.nanoTime() - t0) / 1e6;
    }

}
