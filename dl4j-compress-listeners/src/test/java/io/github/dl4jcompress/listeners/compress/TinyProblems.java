package io.github.dl4jcompress.listeners.compress;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

/** Tiny trained networks and a 3-class 8x8 image problem (a bright quadrant per class, plus noise) for the procedure's tests. */
final class TinyProblems {

    static final InputType FLAT = InputType.convolutionalFlat(8, 8, 1);
    static final InputType IMAGE = InputType.convolutional(8, 8, 1);

    private TinyProblems() {
    }

    /** {@code n} examples, flat [n, 64] or NCHW [n, 1, 8, 8]. */
    static DataSet data(int n, long seed, boolean nchw) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 1, 8, 8).muli(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 3);
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            y.putScalar(i, c, 1f);
            int r0 = c == 1 ? 4 : 0;
            int c0 = c == 2 ? 4 : 0;
            for (int r = r0; r < r0 + 4; r++) {
                for (int q = c0; q < c0 + 4; q++) {
                    x.putScalar(new long[]{i, 0, r, q}, x.getFloat(i, 0, r, q) + 0.6f);
                }
            }
        }
        return new DataSet(nchw ? x : x.reshape(n, 64), y);
    }

    static DataSetIterator batches(DataSet d, int batch) {
        List<DataSet> list = d.asList();
        return new ListDataSetIterator<>(list, batch);
    }

    static MultiLayerNetwork trainedMln() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Nesterovs(0.02, 0.9))
                .weightInit(WeightInit.RELU).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(6).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(12).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(FLAT).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.fit(batches(data(240, 1, false), 16), 3);
        return net;
    }

    /** conv-BN-ReLU twice, then dense and softmax: a chain whose filters the procedure groups by the norms. */
    static MultiLayerNetwork trainedMlnWithBatchNorm() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Nesterovs(0.02, 0.9))
                .weightInit(WeightInit.RELU).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(6).activation(Activation.IDENTITY).hasBias(false).build())
                .layer(new BatchNormalization.Builder().name("bn1").build())
                .layer(new ActivationLayer.Builder().name("relu1").activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(12).activation(Activation.IDENTITY).hasBias(false).build())
                .layer(new BatchNormalization.Builder().name("bn2").build())
                .layer(new ActivationLayer.Builder().name("relu2").activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(FLAT).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.fit(batches(data(240, 1, false), 16), 3);
        return net;
    }

    /** Stem conv + BN, one basic residual block (conv-BN-ReLU-conv-BN + identity), a second conv, GAP, softmax. */
    static ComputationGraph trainedResidualGraph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Nesterovs(0.02, 0.9))
                .weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("in").setInputTypes(IMAGE)
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.IDENTITY).hasBias(false).build(), "in")
                .addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem")
                .addLayer("stem_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "stem_bn")
                .addLayer("b_conv1", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.IDENTITY).hasBias(false).build(), "stem_relu")
                .addLayer("b_bn1", new BatchNormalization.Builder().build(), "b_conv1")
                .addLayer("b_relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "b_bn1")
                .addLayer("b_conv2", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.IDENTITY).hasBias(false).build(), "b_relu1")
                .addLayer("b_bn2", new BatchNormalization.Builder().build(), "b_conv2")
                .addVertex("b_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b_bn2", "stem_relu")
                .addLayer("b_out", new ActivationLayer.Builder().activation(Activation.RELU).build(), "b_add")
                .addLayer("head", new ConvolutionLayer.Builder(3, 3).nOut(12).activation(Activation.RELU).build(), "b_out")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "head")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        net.fit(batches(data(240, 1, true), 16), 3);
        return net;
    }
}
