package io.github.dl4jcompress.cli.ssl;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Measures inference throughput (examples/s) of a network on fixed mini-batches, after a warm-up. */
final class InferenceTimer {

    private InferenceTimer() {
    }

    static double examplesPerSecond(MultiLayerNetwork net, INDArray features, int batch, double seconds) {
        INDArray x = features.get(NDArrayIndex.interval(0, Math.min(batch, features.size(0))), NDArrayIndex.all()).dup();
        for (int i = 0; i < 30; i++) {
            net.output(x, false);
        }
        long n = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < seconds * 1e9) {
            net.output(x, false);
            n += x.size(0);
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }
}
