package io.github.dl4jcompress.cli.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The CIFAR-style ResNet of He et al. (2016) used by the SSL paper's depth experiment, for 1x28x28 images:
 * conv 3x3 (w) + BN + ReLU, then 3 stages of {@code blocksPerStage} basic blocks with w, 2w, 4w filters (the first
 * block of stages 2 and 3 strides 2 and has a 1x1 conv + BN projection shortcut; all others are identity shortcuts),
 * global average pooling and softmax. {@code blocksPerStage = 3} is ResNet-20 (6n+2 layers), 5 is ResNet-32.
 *
 * <p>Names: block {@code s<stage>b<block>} has layers {@code <id>_conv1, <id>_bn1, <id>_relu1, <id>_conv2,
 * <id>_bn2}, its sum {@code <id>_add} and output {@code <id>_out} (ReLU after the sum). The residual branch is
 * {@code conv1 .. bn2}; DEPTH Group Lasso on {@code conv2} and {@code bn2} (gamma and beta) drives it to the constant
 * 0 that the pruner removes.
 */
public final class ResNet20 {

    public static final InputType INPUT = InputType.convolutional(28, 28, 1);

    private ResNet20() {
    }

    /** ResNet-20 with base width {@code width} (16 in the paper). */
    public static ComputationGraphConfiguration configuration(long seed, int width, double learningRate) {
        return configuration(seed, width, 3, new Nesterovs(learningRate, 0.9));
    }

    public static ComputationGraphConfiguration configuration(long seed, int width, int blocksPerStage, IUpdater updater) {
        if (width < 1 || blocksPerStage < 1) {
            throw new IllegalArgumentException("ResNet: width and blocksPerStage must be >= 1, got " + width + ", " + blocksPerStage);
        }
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(INPUT);
        g.addLayer("stem_conv", conv(3, width, 1), "input");
        g.addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem_conv");
        g.addLayer("stem_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "stem_bn");
        String previous = "stem_relu";
        int channels = width;
        for (int stage = 1; stage <= 3; stage++) {
            int filters = width << (stage - 1);
            for (int block = 1; block <= blocksPerStage; block++) {
                String id = "s" + stage + "b" + block;
                int stride = stage > 1 && block == 1 ? 2 : 1;
                g.addLayer(id + "_conv1", conv(3, filters, stride), previous);
                g.addLayer(id + "_bn1", new BatchNormalization.Builder().build(), id + "_conv1");
                g.addLayer(id + "_relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), id + "_bn1");
                g.addLayer(id + "_conv2", conv(3, filters, 1), id + "_relu1");
                g.addLayer(id + "_bn2", new BatchNormalization.Builder().build(), id + "_conv2");
                String shortcut = previous;
                if (stride != 1 || channels != filters) {
                    g.addLayer(id + "_proj", conv(1, filters, stride), previous);
                    g.addLayer(id + "_projbn", new BatchNormalization.Builder().build(), id + "_proj");
                    shortcut = id + "_projbn";
                }
                g.addVertex(id + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), id + "_bn2", shortcut);
                g.addLayer(id + "_out", new ActivationLayer.Builder().activation(Activation.RELU).build(), id + "_add");
                previous = id + "_out";
                channels = filters;
            }
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), previous);
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                .activation(Activation.SOFTMAX).build(), "pool");
        return g.setOutputs("out").build();
    }

    private static ConvolutionLayer conv(int kernel, int nOut, int stride) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(nOut)
                .activation(Activation.IDENTITY).hasBias(false).build();
    }
}
