package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.truenorth.SynapseMapping;
import io.github.dl4jcompress.truenorth.TrueNorthSimulator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrueNorthListenerTest {

    private static DataSet data() {
        INDArray x = Nd4j.rand(Nd4j.getRandomFactory().getNewRandomInstance(3), 60, 8).castTo(DataType.DOUBLE);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 60, 2);
        for (int i = 0; i < 60; i++) {
            // class 1 when the first half of the inputs outweighs the second half
            double a = x.getRow(i).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)).sumNumber().doubleValue();
            double b = x.getRow(i).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 8)).sumNumber().doubleValue();
            y.putScalar(i, a > b ? 1 : 0, 1.0);
        }
        return new DataSet(x, y);
    }

    private static MultiLayerNetwork net() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.DOUBLE).updater(new Adam(0.02)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().name("h").nIn(8).nOut(6).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(6).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    @Test
    void reportsEveryNEpochsWithVarianceAndSimulatedAccuracy() {
        DataSet d = data();
        MultiLayerNetwork net = net();
        TrueNorthListener listener = new TrueNorthListener(2, 4, 16, 7, d);
        net.setListeners(listener);
        for (int e = 0; e < 5; e++) {
            net.fit(d);
            listener.onEpochEnd(net);   // fit(DataSet) does not end an epoch; drive it as fit(iterator) would
        }
        List<TrueNorthRecord> h = listener.history();
        assertEquals(2, h.size());
        assertEquals(2, h.get(0).epochs);
        assertEquals(4, h.get(1).epochs);
        TrueNorthRecord last = h.get(1);
        assertEquals(List.of("h", "out"), List.copyOf(last.layerVariance.keySet()));
        double vh = SynapseMapping.meanMappingVariance(net.getLayer(0).getParam("W").dup());
        double vo = SynapseMapping.meanMappingVariance(net.getLayer(1).getParam("W").dup());
        assertEquals((vh * 48 + vo * 12) / 60, listener.record(net).meanVariance, 1e-12);
        assertTrue(last.meanVariance > 0 && last.meanVariance <= 0.25, "variance " + last.meanVariance);
        double expected = TrueNorthSimulator.builder().copies(4).spikes(16).seed(7).build(net, d.getFeatures()).accuracy(d);
        assertEquals(expected, listener.history().get(2).accuracy, 0.0);
        assertTrue(expected >= 0 && expected <= 1);
    }

    @Test
    void badArgumentsRefused() {
        DataSet d = data();
        assertThrows(IllegalArgumentException.class, () -> new TrueNorthListener(0, 1, 1, 0, d));
        assertThrows(IllegalArgumentException.class, () -> new TrueNorthListener(1, 0, 1, 0, d));
        assertThrows(IllegalArgumentException.class, () -> new TrueNorthListener(1, 1, 0, 0, d));
        assertThrows(IllegalArgumentException.class, () -> new TrueNorthListener(1, 1, 1, 0, new DataSet()));
    }
}
