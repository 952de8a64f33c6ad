package io.github.dl4jcompress.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Issue 16, item 9: an input size that does not fit the network is refused, naming the layer and both sizes. */
class CostModelInputCheckTest {

    private static MultiLayerNetwork net() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(4).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(5).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nOut(2).build())
                .setInputType(InputType.convolutional(8, 8, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void spatialSizeThatDoesNotFitTheDenseLayerIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CostModel().of(net(), InputType.convolutional(10, 10, 1)));
        assertTrue(e.getMessage().contains("layer 1 'fc'") && e.getMessage().contains("nIn 144")
                && e.getMessage().contains("256"), e.getMessage());
    }

    @Test
    void wrongChannelCountIsRefusedNamingTheConvolution() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CostModel().of(net(), InputType.convolutional(8, 8, 3)));
        assertTrue(e.getMessage().contains("layer 0 'conv1'") && e.getMessage().contains("nIn 1")
                && e.getMessage().contains("3"), e.getMessage());
    }

    @Test
    void wrongKindOfInputIsRefusedNamingTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CostModel().of(net(), InputType.feedForward(7)));
        assertTrue(e.getMessage().contains("'conv1'") && e.getMessage().contains("InputTypeFeedForward(7)"), e.getMessage());
    }

    @Test
    void fittingInputStillCounts() {
        assertEquals(4 * 9 * 36L + 144 * 5 + 5 * 2, new CostModel().of(net(), InputType.convolutional(8, 8, 1)).getMacs());
    }

    @Test
    void graphInputThatDoesNotFitIsRefusedNamingTheVertex() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("fc", new DenseLayer.Builder().nOut(5).build(), "conv1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).build(), "fc")
                .setOutputs("out").setInputTypes(InputType.convolutional(8, 8, 1)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CostModel().of(g, InputType.convolutional(9, 9, 1)));
        assertTrue(e.getMessage().contains("'fc'") && e.getMessage().contains("nIn 144"), e.getMessage());
        // sibling: DL4J's graph getLayerActivationTypes used to overwrite fc's nIn (144 -> 196) in the configuration
        assertEquals(144, ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                g.getConfiguration().getVertices().get("fc")).getLayerConf().getLayer()).getNIn());
    }
}
