package io.github.dl4jcompress.truenorth;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small dense networks and inputs for the TrueNorth tests. */
final class TrueNorthNets {

    private TrueNorthNets() {
    }

    /** {@code nIn → hidden... (ReLU) → nOut (identity, MSE)}, double precision, seeded. */
    static MultiLayerNetwork dense(long seed, int nIn, int nOut, int... hidden) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .list();
        int in = nIn;
        for (int i = 0; i < hidden.length; i++) {
            b.layer(new DenseLayer.Builder().name("h" + (i + 1)).nIn(in).nOut(hidden[i]).activation(Activation.RELU).build());
            in = hidden[i];
        }
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nIn(in).nOut(nOut)
                .activation(Activation.IDENTITY).build());
        MultiLayerNetwork net = new MultiLayerNetwork(b.build());
        net.init();
        return net;
    }

    /** A 1-channel 6x6 input, 3x3 convolution "conv1" (3 channels, ReLU), then an identity output layer. */
    static MultiLayerNetwork withConvolution() {
        return withConvolution(false);
    }

    /** As {@link #withConvolution()}, with a 2x2 max pooling layer "pool1" after the convolution if asked. */
    static MultiLayerNetwork withConvolution(boolean pooling) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
                .seed(1).dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(3).activation(Activation.RELU).build());
        if (pooling) {
            b.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2)
                    .stride(2, 2).build());
        }
        MultiLayerConfiguration conf = b
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nOut(2)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutionalFlat(6, 6, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Uniform [0, 1) inputs {@code [n, nIn]}, seeded. */
    static INDArray inputs(long seed, int n, int nIn) {
        return Nd4j.rand(Nd4j.getRandomFactory().getNewRandomInstance(seed), n, nIn).castTo(DataType.DOUBLE);
    }

    /** Replaces every layer's W by a ternary {−c, 0, +c} version (sign of the rounded p = |w|/max|w|). */
    static void ternarize(MultiLayerNetwork net) {
        for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
            INDArray w = layer.getParam("W").dup();
            double c = w.amaxNumber().doubleValue();
            INDArray ternary = org.nd4j.linalg.ops.transforms.Transforms.round(
                    w.div(c), false).muli(c);
            layer.setParam("W", ternary);
        }
    }
}
