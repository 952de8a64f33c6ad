package io.github.dl4jcompress.cli.models;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A VGG-style network for 1x28x28 images: three stages of two 3x3 conv + BN + ReLU layers with w, 2w, 4w filters
 * (max-pool 2 after each of the first two stages), global average pooling, dense {@code 4w} ReLU and softmax 10.
 * Six conv layers, all with batch norm; layers are named {@code conv<stage><i>}, {@code bn<stage><i>}.
 */
public final class SmallVgg {

    public static final InputType INPUT = InputType.convolutionalFlat(28, 28, 1);

    private SmallVgg() {
    }

    public static MultiLayerConfiguration configuration(long seed, int width, double learningRate) {
        return configuration(seed, width, new Nesterovs(learningRate, 0.9));
    }

    public static MultiLayerConfiguration configuration(long seed, int width, IUpdater updater) {
        if (width < 1) {
            throw new IllegalArgumentException("VGG: width must be >= 1, got " + width);
        }
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .list();
        for (int stage = 1; stage <= 3; stage++) {
            int filters = width << (stage - 1);
            for (int i = 1; i <= 2; i++) {
                b.layer(new ConvolutionLayer.Builder(3, 3).name("conv" + stage + i).nOut(filters)
                        .activation(Activation.IDENTITY).build());
                b.layer(new BatchNormalization.Builder().name("bn" + stage + i).build());
                b.layer(new ActivationLayer.Builder().name("relu" + stage + i).activation(Activation.RELU).build());
            }
            if (stage < 3) {
                b.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool" + stage)
                        .kernelSize(2, 2).stride(2, 2).build());
            }
        }
        b.layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build());
        b.layer(new DenseLayer.Builder().name("fc").nOut(4L * width).activation(Activation.RELU).build());
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10)
                .activation(Activation.SOFTMAX).build());
        return b.setInputType(INPUT).build();
    }
}
