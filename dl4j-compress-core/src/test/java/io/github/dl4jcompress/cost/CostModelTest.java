package io.github.dl4jcompress.cost;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CostModelTest {

    /** LeNet-like on 12x12: conv 3@3x3 -> 3x10x10, BN, pool 2 -> 3x5x5, conv 4@2x2 -> 4x4x4, dense 5, out 2. */
    private static MultiLayerConfiguration conf() {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("c1").nOut(3).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new SubsamplingLayer.Builder().name("p1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(2, 2).name("c2").nOut(4).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(12, 12, 1))
                .build();
    }

    @Test
    void denseCountsMatchAHandCount() {
        MultiLayerNetwork net = new MultiLayerNetwork(conf());
        net.init();
        NetworkCost cost = new CostModel().of(net, InputType.convolutional(12, 12, 1));
        assertEquals(10 * 10 * 3 * 9, cost.layer("c1").get().getMacs());
        assertEquals(3 * 9 + 3, cost.layer("c1").get().getParams());
        assertEquals(2 * 10 * 10 * 3, cost.layer("bn").get().getMacs());
        assertEquals(5 * 5 * 3 * 4, cost.layer("p1").get().getMacs());
        assertEquals(4 * 4 * 4 * 3 * 4, cost.layer("c2").get().getMacs());
        assertEquals(64 * 5, cost.layer("fc").get().getMacs());
        assertEquals(5 * 2, cost.layer("out").get().getMacs());
        assertEquals(cost.getMacs(), cost.getEffectiveMacs());
        assertEquals(net.numParams(), cost.getParams());
    }

    @Test
    void effectiveCountsDropZeroFiltersChannelsAndShapes() {
        MultiLayerNetwork net = new MultiLayerNetwork(conf());
        net.init();
        INDArray c2 = net.getLayer(3).getParam("W").dup(); // [4, 3, 2, 2]
        c2.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(0); // filter 1
        c2.get(NDArrayIndex.all(), NDArrayIndex.point(2), NDArrayIndex.all(), NDArrayIndex.all()).assign(0); // channel 2
        for (int f = 0; f < 4; f++) {
            c2.putScalar(new int[]{f, 0, 1, 1}, 0.0); // shape (0,1,1)
        }
        net.getLayer(3).setParam("W", c2);
        INDArray fc = net.getLayer(4).getParam("W"); // [64, 5]
        fc.getColumn(3).assign(0); // output unit 3
        fc.getRow(7).assign(0);    // input 7
        fc.getRow(8).assign(0);    // input 8
        NetworkCost cost = new CostModel().of(net, InputType.convolutional(12, 12, 1));
        LayerCost l = cost.layer("c2").get();
        assertEquals(3, l.getKeptFilters());
        assertEquals(2, l.getKeptChannels());
        assertEquals(12 - 4 - 1, l.getKeptShapes());
        assertEquals(16L * 3 * 7, l.getEffectiveMacs()); // 16 positions x 3 filters x 7 columns
        assertEquals(3L * 7 + 3, l.getEffectiveParams());
        LayerCost f = cost.layer("fc").get();
        assertEquals(4, f.getKeptFilters());
        assertEquals(62, f.getKeptChannels());
        assertEquals(62L * 4, f.getEffectiveMacs());
        long expectedTotal = cost.getMacs() - l.getMacs() - f.getMacs() + 16L * 3 * 7 + 62L * 4;
        assertEquals(expectedTotal, cost.getEffectiveMacs());
    }

    @Test
    void aThresholdTreatsSmallGroupsAsZeroAndGraphsWork() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(3).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX).build(), "c1")
                .setOutputs("out").setInputTypes(InputType.convolutional(5, 5, 2)).build();
        ComputationGraph cg = new ComputationGraph(conf);
        cg.init();
        cg.getLayer("c1").getParam("W").get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).muli(1e-6);
        assertEquals(3, new CostModel().of(cg, InputType.convolutional(5, 5, 2)).layer("c1").get().getKeptFilters());
        NetworkCost cost = new CostModel(1e-3).of(cg, InputType.convolutional(5, 5, 2));
        assertEquals(2, cost.layer("c1").get().getKeptFilters());
        assertEquals(9L * 2 * 18, cost.layer("c1").get().getEffectiveMacs());
        assertThrows(IllegalArgumentException.class, () -> new CostModel(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new CostModel(-1));
    }
}
