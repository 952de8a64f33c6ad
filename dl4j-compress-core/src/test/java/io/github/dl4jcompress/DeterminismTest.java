package io.github.dl4jcompress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.Ternarizer;
import io.github.dl4jcompress.truenorth.TrueNorthSimulator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Deterministic by default: every seeded component of core, built twice with the same configuration, gives the same
 * result — the TrueNorth simulator (default seed 0 included: ND4J does not reproduce draws for seed 0), and the
 * ternarizer over a sequence of calls.
 */
class DeterminismTest {

    private static MultiLayerNetwork net() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.DOUBLE)
                .list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(6).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(6).nOut(3).activation(Activation.IDENTITY).build())
                .build());
        net.init();
        return net;
    }

    @Test
    void trueNorthSimulatorIsTheSameChipForTheSameSeedWhateverTheSeed() {
        MultiLayerNetwork net = net();
        INDArray x = Nd4j.rand(Nd4j.getRandomFactory().getNewRandomInstance(5), 30, 5).castTo(DataType.DOUBLE);
        for (long seed : new long[] {0, 7, -1, Long.MIN_VALUE}) {
            TrueNorthSimulator a = TrueNorthSimulator.builder().copies(3).spikes(5).seed(seed).build(net, x);
            TrueNorthSimulator b = TrueNorthSimulator.builder().copies(3).spikes(5).seed(seed).build(net.clone(), x.dup());
            for (int l = 0; l < 2; l++) {
                assertEquals(a.deployedWeights(l), b.deployedWeights(l), "seed " + seed + ", layer " + l);
            }
            assertEquals(a.output(x), b.output(x), "seed " + seed);
            assertEquals(a.output(x), a.output(x), "seed " + seed + ": a second call");
        }
        assertNotEquals(TrueNorthSimulator.builder().copies(3).seed(0).build(net, x).deployedWeights(0),
                TrueNorthSimulator.builder().copies(3).seed(7).build(net, x).deployedWeights(0));
    }

    @Test
    void ternarizerRepeatsItsSequenceOfMessagesForTheSameSeed() {
        SegmentLayout layout = SegmentLayout.of(new String[] {"0_W", "0_b"}, new int[] {40, 7});
        java.util.Random r = new java.util.Random(2);
        float[][] gradients = new float[4][layout.totalLength()];
        for (float[] g : gradients) {
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) r.nextGaussian();
            }
        }
        for (long seed : new long[] {0, 42}) {
            Ternarizer a = new Ternarizer(seed);
            Ternarizer b = new Ternarizer(seed);
            for (float[] g : gradients) {
                assertArrayEquals(a.encode(g, layout).toBytes(), b.encode(g, layout).toBytes(), "seed " + seed);
            }
        }
    }
}
