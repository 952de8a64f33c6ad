package io.github.dl4jcompress.truenorth;

import io.github.dl4jcompress.regularization.BinaryPush;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FullScaleClipTest {

    private static MultiLayerConfiguration conf(double c) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new Sgd(2.0)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().name("h").nIn(6).nOut(5).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nIn(5).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        for (int i = 0; i < 2; i++) {
            BaseLayer l = (BaseLayer) conf.getConf(i).getLayer();
            l.setConstraints(List.of(new FullScaleClip(c)));
            l.setRegularization(List.of(new BinaryPush(new MapSchedule(ScheduleType.EPOCH, Map.of(0, 1e-3, 2, 2e-3)), c)));
        }
        return conf;
    }

    /** After large SGD steps every weight is within [-c, c] and some sit exactly at ±c; the biases are not clipped. */
    @Test
    void weightsStayWithinFullScaleDuringTraining() {
        double c = 0.05;
        MultiLayerNetwork net = new MultiLayerNetwork(conf(c));
        net.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 16, 6);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 16, 2).muli(20);
        for (int i = 0; i < 5; i++) {
            net.fit(x, y);
        }
        double biasMax = 0;
        for (int l = 0; l < 2; l++) {
            INDArray w = net.getLayer(l).getParam("W");
            assertTrue(w.amaxNumber().doubleValue() <= c, "layer " + l + " max|w| " + w.amaxNumber());
            assertEquals(c, w.amaxNumber().doubleValue(), 0, "layer " + l + ": large steps must reach the bound");
            biasMax = Math.max(biasMax, net.getLayer(l).getParam("b").amaxNumber().doubleValue());
        }
        assertTrue(biasMax > c, "biases are not clipped: " + biasMax);
    }

    /** The constraint and the scheduled push survive a JSON round trip with their fields. */
    @Test
    void jsonRoundTripKeepsFullScaleAndParams() {
        MultiLayerConfiguration conf = conf(0.125);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        BaseLayer l = (BaseLayer) back.getConf(1).getLayer();
        assertEquals(List.of(new FullScaleClip(0.125)), l.getConstraints());
        BinaryPush push = (BinaryPush) l.getRegularization().get(0);
        assertEquals(0.125, push.getFullScale(), 0);
        assertEquals(2e-3, push.getStrength().valueAt(0, 5), 0);
        assertEquals(1e-3, push.getStrength().valueAt(0, 1), 0);
    }

    @Test
    void badArgumentsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FullScaleClip(0));
        assertTrue(e.getMessage().contains("0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FullScaleClip(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new FullScaleClip(1).setParams(Set.of()));
        MultiLayerNetwork net = new MultiLayerNetwork(conf(0.1));
        net.init();
        e = assertThrows(IllegalArgumentException.class,
                () -> new FullScaleClip(0.1, Set.of("gamma")).applyConstraint(net.getLayer(0), 0, 0));
        assertTrue(e.getMessage().contains("'h'") && e.getMessage().contains("gamma"), e.getMessage());
    }

    @Test
    void magnitudeQuantileByHand() {
        INDArray w = Nd4j.createFromArray(-4.0, 1.0, 3.0, -2.0);   // |w| sorted: 1, 2, 3, 4
        assertEquals(2.0, SynapseMapping.magnitudeQuantile(w, 0.5), 0);
        assertEquals(2.0, SynapseMapping.magnitudeQuantile(w, 0.26), 0);   // rank ceil(1.04) = 2
        assertEquals(3.0, SynapseMapping.magnitudeQuantile(w, 0.75), 0);
        assertEquals(4.0, SynapseMapping.magnitudeQuantile(w, 1.0), 0);
        assertEquals(1.0, SynapseMapping.magnitudeQuantile(w, 0.01), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SynapseMapping.magnitudeQuantile(w, 0));
        assertTrue(e.getMessage().contains("0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SynapseMapping.magnitudeQuantile(w, 1.5));
    }
}
