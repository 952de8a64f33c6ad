package io.github.dl4jcompress.examples;

import io.github.dl4jcompress.regularization.BinaryPush;
import io.github.dl4jcompress.truenorth.TrueNorthSimulator;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

/**
 * TrueNorth-aware training (Wen et al., DAC 2016): a binary-push penalty drives each layer's normalized weights
 * |w|/max|w| toward 0 or 1, so a stochastic deployment with few synapse copies loses little accuracy. The simulator
 * evaluates the trained network as the chip would, with {@code copies} synapse copies and {@code spikes} per frame.
 */
public final class TrueNorthDeploymentCheck {
    private TrueNorthDeploymentCheck() {
    }

    /** Returns {float accuracy, deployed accuracy} of a small MLP trained with binary push. */
    public static double[] run(DataSet train, DataSet test, int inputs, int epochs) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3).updater(new Adam(3e-3))
                .list()
                .layer(new DenseLayer.Builder().nIn(inputs).nOut(64).activation(Activation.RELU)
                        .regularization(List.of(BinaryPush.of(1e-4))).build())            // one instance per layer
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(64).nOut(ToyImages.CLASSES)
                        .activation(Activation.SOFTMAX).regularization(List.of(BinaryPush.of(1e-4))).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (DataSet batch : train.batchBy(32)) {
                net.fit(batch);
            }
        }
        double floatAccuracy = net.evaluate(new ListDataSetIterator<>(test.asList(), 64))
                .accuracy();
        TrueNorthSimulator chip = TrueNorthSimulator.builder().copies(2).spikes(16).seed(11)
                .build(net, train.getFeatures());                                  // calibration on training inputs
        double deployed = chip.accuracy(test);
        System.out.printf("float accuracy %.3f, TrueNorth (2 copies, 16 spikes) %.3f%n", floatAccuracy, deployed);
        return new double[] {floatAccuracy, deployed};
    }

    public static void main(String[] args) {
        run(ToyImages.make(1024, 12, 1), ToyImages.make(256, 12, 2), 144, 5);
    }
}
