package io.github.dl4jcompress.terngrad;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Three Gaussian blobs in 4-D (σ = 0.6 around centres at distance ~2) and a 4-16-3 softmax network (MLN or CG). */
final class TinyClassificationProblem {

    static final int FEATURES = 4;
    static final int CLASSES = 3;

    private TinyClassificationProblem() {
    }

    static DataSet data(int samples, long seed) {
        Random random = new Random(seed);
        double[][] centres = {{1.5, 0, -1, 0.5}, {-1, 1.5, 0.5, -1}, {0, -1.5, 1, 1}};
        INDArray features = Nd4j.create(samples, FEATURES);
        INDArray labels = Nd4j.zeros(samples, CLASSES);
        for (int i = 0; i < samples; i++) {
            int c = i % CLASSES;
            for (int f = 0; f < FEATURES; f++) {
                features.putScalar(i, f, centres[c][f] + 0.6 * random.nextGaussian());
            }
            labels.putScalar(i, c, 1.0);
        }
        return new DataSet(features, labels);
    }

    /** All epochs concatenated into one iterator, so ParallelWrapper.fit is called exactly once. */
    static DataSetIterator epochs(DataSet data, int epochs, int batchSize) {
        List<DataSet> batches = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            batches.addAll(data.batchBy(batchSize));
        }
        return new ListDataSetIterator<>(batches, 1);
    }

    /** The same 4-16-3 network as a ComputationGraph (vertices "hidden" and "out"). */
    static ComputationGraph graph(double learningRate, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Sgd(learningRate))
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(FEATURES).nOut(16).activation(Activation.TANH).build(),
                        "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    static MultiLayerNetwork network(double learningRate, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Sgd(learningRate))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
