package io.github.dl4jcompress.cli.terngrad;

import io.github.dl4jcompress.cli.ssl.LeNet;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration.ListBuilder;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The three networks {@code dl4jc terngrad-model} predicts for, as DL4J configurations (their parameter and MAC
 * counts come from {@code CostModel}):
 * <ul>
 *   <li>LeNet of the examples (28×28×1), ≈ 0.43M parameters;</li>
 *   <li>a VGG-style CIFAR-10 net (32×32×3): conv 3×3 64-64-pool-128-128-pool-256-256-pool, dense 1024, softmax 10,
 *       ≈ 5.35M parameters;</li>
 *   <li>AlexNet (227×227×3): conv 96@11×11/4, pool 3/2, conv 256@5×5, pool, conv 384-384-256@3×3, pool, dense
 *       4096-4096, softmax 1000 — without the original two-GPU grouping and LRN, ≈ 62.4M parameters (the grouped
 *       original has ≈ 61M).</li>
 * </ul>
 */
final class ReferenceNetworks {

    static final InputType CIFAR = InputType.convolutional(32, 32, 3);
    static final InputType IMAGENET = InputType.convolutional(227, 227, 3);

    private ReferenceNetworks() {
    }

    static MultiLayerConfiguration lenet() {
        return LeNet.configuration(1, new Sgd(0.01));
    }

    static MultiLayerConfiguration vggCifar() {
        ListBuilder b = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.01)).convolutionMode(ConvolutionMode.Same).list();
        int[] widths = {64, 64, 0, 128, 128, 0, 256, 256, 0};
        for (int w : widths) {
            b.layer(w == 0 ? pool(2, 2) : conv(3, 1, w));
        }
        return b.layer(new DenseLayer.Builder().nOut(1024).activation(Activation.RELU).build())
                .layer(softmax(10))
                .setInputType(CIFAR).build();
    }

    static MultiLayerConfiguration alexNet() {
        return new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.01)).list()
                .layer(conv(11, 4, 96))
                .layer(pool(3, 2))
                .layer(new ConvolutionLayer.Builder(5, 5).padding(2, 2).nOut(256).activation(Activation.RELU).build())
                .layer(pool(3, 2))
                .layer(new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(384).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(384).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(256).activation(Activation.RELU).build())
                .layer(pool(3, 2))
                .layer(new DenseLayer.Builder().nOut(4096).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(4096).activation(Activation.RELU).build())
                .layer(softmax(1000))
                .setInputType(IMAGENET).build();
    }

    private static ConvolutionLayer conv(int kernel, int stride, int filters) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(filters).activation(Activation.RELU).build();
    }

    private static SubsamplingLayer pool(int kernel, int stride) {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(kernel, kernel).stride(stride, stride).build();
    }

    private static OutputLayer softmax(int classes) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes).activation(Activation.SOFTMAX).build();
    }
}
