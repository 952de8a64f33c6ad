package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static io.github.dl4jcompress.prune.PruneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Layer types the DL4J zoo models need: Upsampling2D and Cropping2D pass channels through (UNet, NASNet),
 * ScaleVertex / ShiftVertex are channel-wise vertices (InceptionResNetV1's scaled residuals), and
 * LocalResponseNormalization (AlexNet) is a deliberate stop. Each case: prune, then compare outputs.
 */
class ZooLayerRulesTest {

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same);
    }

    private static ConvolutionLayer conv(int nOut) {
        return new ConvolutionLayer.Builder(3, 3).nOut(nOut).activation(Activation.RELU).build();
    }

    private static OutputLayer out() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build();
    }

    /** conv(6) -> middle -> conv(5) -> global max pool -> out; filters 2 and 4 of the first conv zeroed (weights and bias). */
    private static MultiLayerNetwork chainThrough(Layer middle) {
        MultiLayerNetwork net = new MultiLayerNetwork(base().list()
                .layer(conv(6)).layer(middle).layer(conv(5))
                .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).build()).layer(out())
                .setInputType(InputType.convolutional(8, 8, 2)).build());
        net.init();
        zeroConvFilter(net.getLayer(0), 2, true);
        zeroConvFilter(net.getLayer(0), 4, true);
        return net;
    }

    private static long nIn(MultiLayerNetwork net, int layer) {
        return ((ConvolutionLayer) net.getLayer(layer).conf().getLayer()).getNIn();
    }

    @Test
    void upsamplingPassesChannelsThrough() {
        MultiLayerNetwork net = chainThrough(new Upsampling2D.Builder(2).build());
        INDArray x = random(3, 2, 8, 8);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertEquals(4, r.network().getLayer(0).getParam("W").size(0));
        assertEquals(4, nIn(r.network(), 2));
        assertTrue(r.report().unsupportedLayers().isEmpty(), r.report().toString());
        assertEquivalent(expected, r.network().output(x, false));
    }

    @Test
    void croppingPassesChannelsThrough() {
        MultiLayerNetwork net = chainThrough(new Cropping2D(1, 2, 0, 1));
        INDArray x = random(3, 2, 8, 8);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertEquals(4, nIn(r.network(), 2));
        assertTrue(r.report().unsupportedLayers().isEmpty(), r.report().toString());
        assertEquivalent(expected, r.network().output(x, false));
    }

    @Test
    void localResponseNormalizationStopsTheAnalysis() {
        MultiLayerNetwork net = chainThrough(new LocalResponseNormalization.Builder().build());
        INDArray x = random(3, 2, 8, 8);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertEquals(6, r.network().getLayer(0).getParam("W").size(0), "zero channels feed LRN windows: kept");
        assertEquals(6, nIn(r.network(), 2));
        assertEquals(List.of("layer1"), r.report().unsupportedLayers());
        assertEquivalent(expected, r.network().output(x, false));
    }

    @Test
    void parameterFreeLossLayerEndsTheNetworkWithoutBeingAStop() {
        MultiLayerNetwork net = new MultiLayerNetwork(base().list()
                .layer(conv(6))
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(3).activation(Activation.SIGMOID).build())
                .layer(new org.deeplearning4j.nn.conf.layers.CnnLossLayer.Builder(LossFunctions.LossFunction.XENT)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(8, 8, 2)).build());
        net.init();
        zeroConvFilter(net.getLayer(0), 3, true);
        zeroConvFilter(net.getLayer(1), 0, true); // feeds the network output: kept
        INDArray x = random(2, 2, 8, 8);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertTrue(r.report().unsupportedLayers().isEmpty(), r.report().toString());
        assertEquals(5, r.network().getLayer(0).getParam("W").size(0));
        assertEquals(3, r.network().getLayer(1).getParam("W").size(0));
        assertEquivalent(expected, r.network().output(x, false));
    }

    /** stem(6) -> branch conv(6, identity) -> scale 0.2 -> shift? -> add(stem, .) -> gap -> out. */
    private static ComputationGraph scaledResidual(boolean shift) {
        var b = base().graphBuilder().addInputs("in")
                .addLayer("stem", conv(6), "in")
                .addLayer("branch", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.IDENTITY).build(), "stem")
                .addVertex("scale", new ScaleVertex(0.2), "branch");
        String last = "scale";
        if (shift) {
            b.addVertex("shift", new ShiftVertex(0.1), "scale");
            last = "shift";
        }
        ComputationGraph net = new ComputationGraph(b
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "stem", last)
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add")
                .addLayer("out", out(), "gap")
                .setOutputs("out").setInputTypes(InputType.convolutional(6, 6, 2)).build());
        net.init();
        return net;
    }

    @Test
    void scaleVertexCarriesChannelGroupsAndZeroBranches() {
        ComputationGraph net = scaledResidual(false);
        zeroConvFilter(net.getLayer("stem"), 1, true);
        zeroConvFilter(net.getLayer("branch"), 1, true); // channel 1 zero on both sides of the add
        INDArray x = random(3, 2, 6, 6);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertEquals(5, r.network().getLayer("stem").getParam("W").size(0));
        assertEquals(5, r.network().getLayer("branch").getParam("W").size(0));
        assertEquivalent(expected, r.network().outputSingle(false, x));

        ComputationGraph dead = scaledResidual(false);
        for (int o = 0; o < 6; o++) {
            zeroConvFilter(dead.getLayer("branch"), o, true);
        }
        INDArray deadExpected = dead.outputSingle(false, x);
        PruneResult<ComputationGraph> cut = StructuredPruner.builder().build().prune(dead);
        assertEquals(List.of("branch", "scale"), cut.report().removedNodes(), "0 * 0.2 is still 0: branch cut");
        assertEquivalent(deadExpected, cut.network().outputSingle(false, x));
    }

    @Test
    void shiftVertexMakesAZeroBranchNonZero() {
        ComputationGraph net = scaledResidual(true);
        for (int o = 0; o < 6; o++) {
            zeroConvFilter(net.getLayer("branch"), o, true);
        }
        INDArray x = random(3, 2, 6, 6);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertTrue(r.report().removedNodes().isEmpty(), "0 + 0.1 is not 0: branch kept");
        assertEquivalent(expected, r.network().outputSingle(false, x));
    }
}
