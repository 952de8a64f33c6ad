package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
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

/** Pruning a MultiLayerNetwork chain conv-BN-ReLU-pool-conv-pool-dense-output. */
class MultiLayerPruneTest {

    /** conv1(6) BN relu pool conv2(8) pool dense(10) out(3); 1 input channel flat or 2 channels. */
    static MultiLayerNetwork cnn(boolean flatInput, ConvolutionMode conv2Mode) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42).dataType(DataType.DOUBLE).updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.IDENTITY).name("conv1").build())
                .layer(new BatchNormalization.Builder().name("bn1").build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).name("relu1").build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(1, 1).name("pool1").build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(conv2Mode).activation(Activation.RELU).name("conv2").build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2).name("pool2").build())
                .layer(new DenseLayer.Builder().nOut(10).activation(Activation.TANH).name("dense").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).name("out").build())
                .setInputType(flatInput ? InputType.convolutionalFlat(10, 10, 1) : InputType.convolutional(10, 10, 2))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        randomiseBatchNorm(net.getLayer(1), 7);
        return net;
    }

    private static INDArray input(boolean flat) {
        return flat ? random(5, 100) : random(5, 2, 10, 10);
    }

    private void prunesChainAndKeepsOutputs(boolean flat) {
        MultiLayerNetwork net = cnn(flat, ConvolutionMode.Truncate);
        zeroConvFilter(net.getLayer(0), 1, true);
        zeroConvFilter(net.getLayer(0), 4, true);
        zeroConvFilter(net.getLayer(4), 0, true);
        zeroConvFilter(net.getLayer(4), 5, true);
        zeroDenseUnit(net.getLayer(6), 9, true);
        INDArray x = input(flat);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> result = StructuredPruner.builder().threshold(0.0).build().prune(net);
        MultiLayerNetwork pruned = result.network();
        PruneReport report = result.report();

        assertEquivalent(expected, pruned.output(x, false));
        assertEquals(4, ((ConvolutionLayer) pruned.getLayer(0).conf().getLayer()).getNOut());
        assertEquals(4, ((BatchNormalization) pruned.getLayer(1).conf().getLayer()).getNOut());
        assertEquals(4, ((ConvolutionLayer) pruned.getLayer(4).conf().getLayer()).getNIn());
        assertEquals(6, ((ConvolutionLayer) pruned.getLayer(4).conf().getLayer()).getNOut());
        // conv2 output 10-2-1-2=5 -> pool 5x5 /2 -> 2x2; dense sees 6 channels * 2*2
        assertEquals(6 * 4, ((DenseLayer) pruned.getLayer(6).conf().getLayer()).getNIn());
        assertEquals(9, ((DenseLayer) pruned.getLayer(6).conf().getLayer()).getNOut());
        assertEquals(9, ((OutputLayer) pruned.getLayer(7).conf().getLayer()).getNIn());
        CnnToFeedForwardPreProcessor flatten = (CnnToFeedForwardPreProcessor) pruned.getLayerWiseConfigurations().getInputPreProcess(6);
        assertEquals(6, flatten.getNumChannels());

        assertEquals(4, report.layer("conv1").orElseThrow().keptOutputs());
        assertEquals(6, report.layer("conv1").orElseThrow().totalOutputs());
        assertEquals(List.of(1, 4), report.layer("conv2").orElseThrow().removedInputChannels());
        assertEquals(List.of(0, 5), report.layer("dense").orElseThrow().removedInputChannels());
        assertTrue(report.outputsPreserved());
        assertTrue(report.unsupportedLayers().isEmpty());
        assertEquals(net.numParams(), report.paramsBefore());
        assertEquals(pruned.numParams(), report.paramsAfter());
        assertTrue(report.paramsAfter() < report.paramsBefore());
    }

    @Test
    void prunesChainWithConvolutionalFlatInput() {
        prunesChainAndKeepsOutputs(true);
    }

    @Test
    void prunesChainWithConvolutionalInput() {
        prunesChainAndKeepsOutputs(false);
    }

    @Test
    void batchNormConstantOfZeroFilterIsFoldedIntoUnpaddedConsumer() {
        MultiLayerNetwork net = cnn(false, ConvolutionMode.Truncate);
        // make BN map the zero filter 2 to a clearly positive constant: beta - gamma*mean/std > 0
        net.getLayer(1).getParam("beta").putScalar(2, 0.8);
        net.getLayer(1).getParam("mean").putScalar(2, 0.0);
        zeroConvFilter(net.getLayer(0), 2, true);
        INDArray x = input(false);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> result = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, result.network().output(x, false));
        assertEquals(List.of(2), result.report().layer("conv2").orElseThrow().foldedInputChannels());
        assertEquals(5, result.report().layer("conv1").orElseThrow().keptOutputs());
    }

    @Test
    void constantChannelFeedingPaddedConvolutionIsKept() {
        MultiLayerNetwork net = cnn(false, ConvolutionMode.Same);
        net.getLayer(1).getParam("beta").putScalar(2, 0.8);
        net.getLayer(1).getParam("mean").putScalar(2, 0.0);
        zeroConvFilter(net.getLayer(0), 2, true);
        INDArray x = input(false);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> result = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, result.network().output(x, false));
        assertEquals(6, result.report().layer("conv1").orElseThrow().keptOutputs());
        assertTrue(result.report().layer("conv2").orElseThrow().foldedInputChannels().isEmpty());
    }

    @Test
    void nothingZeroKeepsEverythingAndStillReturnsACopy() {
        MultiLayerNetwork net = cnn(false, ConvolutionMode.Truncate);
        PruneResult<MultiLayerNetwork> result = StructuredPruner.builder().build().prune(net);
        assertNotSame(net, result.network());
        assertEquals(net.numParams(), result.network().numParams());
        assertEquals(net.params(), result.network().params());
    }
}
