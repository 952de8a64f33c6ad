package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static io.github.dl4jcompress.prune.PruneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** A filter with zero weights but non-zero bias outputs act(b); that constant is folded into consumers' biases. */
class BiasFoldingTest {

    static MultiLayerNetwork dense(Activation hidden) {
        return dense(hidden, DataType.DOUBLE);
    }

    static MultiLayerNetwork dense(Activation hidden, DataType type) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(5).dataType(type).updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(6).activation(hidden).name("d1").build())
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).name("d2").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(5).nOut(2).activation(Activation.IDENTITY).name("out").build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void zeroWeightNonZeroBiasUnitIsFolded() {
        MultiLayerNetwork net = dense(Activation.SIGMOID);
        zeroDenseUnit(net.getLayer(0), 3, false);
        net.getLayer(0).getParam("b").putScalar(3, 0.7);   // outputs sigmoid(0.7) for every input
        zeroDenseUnit(net.getLayer(0), 1, true);           // outputs sigmoid(0) = 0.5: folded too
        INDArray x = random(8, 4);
        INDArray expected = net.output(x, false);
        double biasBefore = net.getLayer(1).getParam("b").getDouble(0);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);
        MultiLayerNetwork p = r.network();

        assertEquivalent(expected, p.output(x, false));
        assertEquals(4, ((DenseLayer) p.getLayer(0).conf().getLayer()).getNOut());
        assertEquals(List.of(1, 3), r.report().layer("d2").orElseThrow().foldedInputChannels());
        double w1 = net.getLayer(1).getParam("W").getDouble(1, 0);
        double w3 = net.getLayer(1).getParam("W").getDouble(3, 0);
        double expectedBias = biasBefore + 0.5 * w1 + 1.0 / (1.0 + Math.exp(-0.7)) * w3;
        assertEquals(expectedBias, p.getLayer(1).getParam("b").getDouble(0), 1e-12);
    }

    @Test
    void foldingWorksForFloatNetworks() {
        MultiLayerNetwork net = dense(Activation.SIGMOID, DataType.FLOAT);
        zeroDenseUnit(net.getLayer(0), 0, false);
        net.getLayer(0).getParam("b").putScalar(0, -1.3);
        INDArray x = random(8, 4).castTo(DataType.FLOAT);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertEquals(DataType.FLOAT, r.network().params().dataType());
        assertEquivalent(expected, r.network().output(x, false));
        assertEquals(List.of(0), r.report().layer("d2").orElseThrow().foldedInputChannels());
    }

    @Test
    void reluOfNegativeBiasIsZeroAndNeedsNoFold() {
        MultiLayerNetwork net = dense(Activation.RELU);
        zeroDenseUnit(net.getLayer(0), 2, false);
        net.getLayer(0).getParam("b").putScalar(2, -0.4);
        INDArray x = random(8, 4);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, r.network().output(x, false));
        assertEquals(5, r.report().layer("d1").orElseThrow().keptOutputs());
        assertTrue(r.report().layer("d2").orElseThrow().foldedInputChannels().isEmpty());
    }

    @Test
    void neverPrunesALayerToZeroOutputs() {
        MultiLayerNetwork net = dense(Activation.RELU);
        for (int o = 0; o < 6; o++) {
            zeroDenseUnit(net.getLayer(0), o, true);
        }
        INDArray x = random(8, 4);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, r.network().output(x, false));
        assertEquals(1, ((DenseLayer) r.network().getLayer(0).conf().getLayer()).getNOut());
        assertEquals(2, ((OutputLayer) r.network().getLayer(2).conf().getLayer()).getNOut());
        assertEquals(4, ((DenseLayer) r.network().getLayer(0).conf().getLayer()).getNIn());
    }

    @Test
    void thresholdRemovesSmallGroupsAndSaysOutputsMayChange() {
        MultiLayerNetwork net = dense(Activation.RELU);
        INDArray w = net.getLayer(0).getParam("W");
        for (int i = 0; i < 4; i++) {
            w.putScalar(new long[] {i, 0}, 1e-4);
        }
        net.getLayer(0).getParam("b").putScalar(0, 0.0);

        PruneResult<MultiLayerNetwork> exact = StructuredPruner.builder().threshold(0.0).build().prune(net);
        PruneResult<MultiLayerNetwork> loose = StructuredPruner.builder().threshold(1e-3).build().prune(net);

        assertEquals(6, exact.report().layer("d1").orElseThrow().keptOutputs());
        assertEquals(5, loose.report().layer("d1").orElseThrow().keptOutputs());
        assertFalse(loose.report().outputsPreserved());
        assertTrue(loose.report().notes().get(0).contains("outputs may change"));
        INDArray x = random(8, 4);
        assertTrue(relativeDiff(net.output(x, false), loose.network().output(x, false)) < 1e-2);
    }
}
