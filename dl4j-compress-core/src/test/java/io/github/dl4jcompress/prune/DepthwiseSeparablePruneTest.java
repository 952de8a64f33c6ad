package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static io.github.dl4jcompress.prune.PruneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Depthwise convolution removes the channel itself and passes the removal on (output channel c*m+j
 * belongs to input channel c); separable convolution drops input channels from both its depthwise
 * and pointwise weights.
 */
class DepthwiseSeparablePruneTest {

    /** conv(6) -> zeropad -> depthwise(m=2, 12) -> dropout -> separable(m=2, 5) -> pool -> dense(7) -> out. */
    static MultiLayerNetwork net() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(11).dataType(DataType.DOUBLE).updater(new Nesterovs(1e-2, 0.9)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).name("conv").build())
                .layer(new ZeroPaddingLayer.Builder(1, 1).name("pad").build())
                .layer(new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).activation(Activation.LEAKYRELU).name("dw").build())
                .layer(new DropoutLayer.Builder(0.8).name("drop").build())
                .layer(new SeparableConvolution2D.Builder(3, 3).depthMultiplier(2).nOut(5)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).name("sep").build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).name("pool").build())
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.RELU).name("dense").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).name("out").build())
                .setInputType(InputType.convolutional(10, 10, 3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void depthwiseAndSeparableFollowChannelRemoval() {
        MultiLayerNetwork net = net();
        // channel 1 dies: conv filter 1 (+bias) and the depthwise biases of its outputs 2 and 3
        zeroConvFilter(net.getLayer(0), 1, true);
        net.getLayer(2).getParam("b").putScalar(2, 0.0);
        net.getLayer(2).getParam("b").putScalar(3, 0.0);
        // channel 4 of conv is zero but depthwise output 9 has a bias -> constant into separable -> kept
        zeroConvFilter(net.getLayer(0), 4, true);
        net.getLayer(2).getParam("b").putScalar(8, 0.0);
        net.getLayer(2).getParam("b").putScalar(9, 0.3);
        // separable output filter 3: pointwise row and bias
        INDArray pw = net.getLayer(4).getParam("pW");
        for (int i = 0; i < pw.size(1); i++) {
            pw.putScalar(new long[] {3, i, 0, 0}, 0.0);
        }
        net.getLayer(4).getParam("b").putScalar(3, 0.0);
        INDArray x = random(4, 3, 10, 10);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);
        MultiLayerNetwork p = r.network();

        assertEquivalent(expected, p.output(x, false));
        assertEquals(5, ((ConvolutionLayer) p.getLayer(0).conf().getLayer()).getNOut());
        DepthwiseConvolution2D dw = (DepthwiseConvolution2D) p.getLayer(2).conf().getLayer();
        assertEquals(5, dw.getNIn());
        assertEquals(10, dw.getNOut());
        SeparableConvolution2D sep = (SeparableConvolution2D) p.getLayer(4).conf().getLayer();
        assertEquals(10, sep.getNIn());
        assertEquals(4, sep.getNOut());
        assertEquals(List.of(1), r.report().layer("dw").orElseThrow().removedInputChannels());
        assertEquals(List.of(2, 3), r.report().layer("sep").orElseThrow().removedInputChannels());
        assertEquals(10, r.report().layer("dw").orElseThrow().keptOutputs());
        assertEquals(List.of(3), r.report().layer("dense").orElseThrow().removedInputChannels());
    }

    @Test
    void depthwiseOutputOrderingIsChannelMajor() {
        // If DL4J ordered depthwise outputs as j*nIn+c, zeroing biases 2,3 would not silence channel 1
        // and removing it would change the output.
        MultiLayerNetwork net = net();
        zeroConvFilter(net.getLayer(0), 5, true);
        net.getLayer(2).getParam("b").putScalar(10, 0.0);
        net.getLayer(2).getParam("b").putScalar(11, 0.0);
        INDArray x = random(2, 3, 10, 10);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, r.network().output(x, false));
        assertEquals(List.of(10, 11), r.report().layer("sep").orElseThrow().removedInputChannels());
    }
}
