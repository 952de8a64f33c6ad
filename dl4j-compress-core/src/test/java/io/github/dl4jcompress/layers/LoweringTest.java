package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.github.dl4jcompress.layers.LoweredConvolutionFromScratchTest.relDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one-call swap: a configuration and a trained network, MLN and CG, against DL4J's own layers. */
class LoweringTest {

    private static MultiLayerConfiguration lenet(DataType dt) {
        return new NeuralNetConfiguration.Builder().seed(2).updater(new Nesterovs(0.05, 0.9)).weightInit(WeightInit.RELU)
                .dataType(dt).list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(5).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(14, 14, 1)).build();
    }

    private static INDArray labels(DataType dt, int n) {
        INDArray y = Nd4j.zeros(dt, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i * 7) % 3, 1.0);
        }
        return y;
    }

    @Test
    void aLoweredConfigurationTrainsLikeDl4jFromTheSameInitialParameters() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            MultiLayerNetwork dl4j = new MultiLayerNetwork(lenet(dt));
            dl4j.init();
            MultiLayerConfiguration lc = Lowering.lower(lenet(dt));
            assertSame(LoweredConvolution.class, lc.getConf(0).getLayer().getClass());
            assertSame(LoweredConvolution.class, lc.getConf(2).getLayer().getClass());
            assertSame(DenseLayer.class, lc.getConf(3).getLayer().getClass());
            assertSame(LoweredSubsampling.class, lc.getConf(1).getLayer().getClass());
            MultiLayerNetwork ours = new MultiLayerNetwork(lc);
            ours.init();
            for (int i : new int[]{0, 2}) {
                INDArray w = dl4j.getLayer(i).getParam("W");
                ours.getLayer(i).setParam("W", w.dup('c').reshape('c', w.size(0), w.length() / w.size(0)));
                ours.getLayer(i).setParam("b", dl4j.getLayer(i).getParam("b"));
            }
            for (int i : new int[]{3, 4}) {
                ours.getLayer(i).setParams(dl4j.getLayer(i).params());
            }
            INDArray x = Nd4j.rand(dt, 6, 196);
            INDArray y = labels(dt, 6);
            for (int it = 0; it < 5; it++) {
                dl4j.fit(x, y);
                ours.fit(x, y);
            }
            double tol = dt == DataType.DOUBLE ? 1e-10 : 1e-5;
            assertTrue(relDiff(dl4j.output(x), ours.output(x)) < tol, dt + " outputs after 5 steps");
            INDArray w = dl4j.getLayer(2).getParam("W");
            assertTrue(relDiff(w.dup('c').reshape('c', 5, 36), ours.getLayer(2).getParam("W")) < tol, dt + " conv2 W after 5 steps");
        }
    }

    @Test
    void aTrainedNetworkLowersWithItsUpdaterStateAndContinuesIdentically() {
        MultiLayerNetwork dl4j = new MultiLayerNetwork(lenet(DataType.DOUBLE));
        dl4j.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 196);
        INDArray y = labels(DataType.DOUBLE, 6);
        for (int it = 0; it < 3; it++) {
            dl4j.fit(x, y);
        }
        MultiLayerNetwork ours = Lowering.lower(dl4j);
        assertSame(LoweredConvolution.class, ours.getLayerWiseConfigurations().getConf(0).getLayer().getClass());
        assertSame(LoweredSubsampling.class, ours.getLayerWiseConfigurations().getConf(1).getLayer().getClass());
        assertTrue(relDiff(dl4j.output(x), ours.output(x)) < 1e-10);
        for (int it = 0; it < 3; it++) {
            dl4j.fit(x, y);
            ours.fit(x, y);
        }
        assertTrue(relDiff(dl4j.output(x), ours.output(x)) < 1e-10);
        assertEquals(dl4j.score(), ours.score(), 1e-10);
        // and back: DL4J's layers again, same parameters and updater state, training continues identically
        MultiLayerNetwork back = Lowering.restore(ours);
        assertEquals(dl4j.getLayerWiseConfigurations(), back.getLayerWiseConfigurations());
        assertTrue(relDiff(dl4j.params(), back.params()) < 1e-10);
        assertTrue(relDiff(dl4j.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray()) < 1e-10);
        dl4j.fit(x, y);
        back.fit(x, y);
        assertTrue(relDiff(dl4j.params(), back.params()) < 1e-10);
    }

    @Test
    void groupLassoOnLoweredLayersTrainsLikeOnDl4jLayers() {
        MultiLayerConfiguration plain = lenet(DataType.DOUBLE);
        MultiLayerConfiguration lowered = Lowering.lower(plain);
        io.github.dl4jcompress.regularization.StructuredSparsity ssl = io.github.dl4jcompress.regularization.StructuredSparsity
                .builder().filters(0.05).channels(0.05).shapes(0.05).build();
        var onPlain = ssl.applyTo(plain);
        var onLowered = ssl.applyTo(lowered);
        assertEquals(onPlain.keySet(), onLowered.keySet());
        assertTrue(onLowered.containsKey("conv1") && onLowered.containsKey("conv2"), onLowered.keySet().toString());
        MultiLayerNetwork a = new MultiLayerNetwork(plain);
        a.init();
        MultiLayerNetwork b = new MultiLayerNetwork(lowered);
        b.init();
        for (int i : new int[]{0, 2}) {
            INDArray w = a.getLayer(i).getParam("W");
            b.getLayer(i).setParam("W", w.dup('c').reshape('c', w.size(0), w.length() / w.size(0)));
            b.getLayer(i).setParam("b", a.getLayer(i).getParam("b"));
        }
        for (int i : new int[]{3, 4}) {
            b.getLayer(i).setParams(a.getLayer(i).params());
        }
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 196);
        INDArray y = labels(DataType.DOUBLE, 6);
        for (int it = 0; it < 4; it++) {
            a.fit(x, y);
            b.fit(x, y);
        }
        for (int i : new int[]{0, 2}) {
            INDArray w = a.getLayer(i).getParam("W");
            assertTrue(relDiff(w.dup('c').reshape('c', w.size(0), w.length() / w.size(0)), b.getLayer(i).getParam("W")) < 1e-10, "layer " + i);
        }
    }

    /** conv a -> BN -> conv b (stride 2) and a 1x1 projection shortcut, added; Same mode from the global builder. */
    private static ComputationGraphConfiguration residual() {
        return new NeuralNetConfiguration.Builder().seed(4).updater(new Nesterovs(0.05, 0.9)).dataType(DataType.DOUBLE)
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "a")
                .addLayer("b", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(4).activation(Activation.IDENTITY).build(), "bn")
                .addLayer("proj", new ConvolutionLayer.Builder(1, 1).stride(2, 2).nOut(4).hasBias(false)
                        .activation(Activation.IDENTITY).build(), "in")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b", "proj")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "sum")
                .setOutputs("out").setInputTypes(InputType.convolutional(8, 8, 2)).build();
    }

    @Test
    void aGraphLowersAsConfigurationAndAsTrainedNetwork() {
        ComputationGraphConfiguration lc = Lowering.lower(residual());
        for (String v : new String[]{"a", "b", "proj"}) {
            assertSame(LoweredConvolution.class, ((org.deeplearning4j.nn.conf.graph.LayerVertex) lc.getVertices().get(v))
                    .getLayerConf().getLayer().getClass(), v);
        }
        new ComputationGraph(lc).init();
        ComputationGraph dl4j = new ComputationGraph(residual());
        dl4j.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 2, 8, 8);
        INDArray y = labels(DataType.DOUBLE, 5);
        dl4j.fit(new INDArray[]{x}, new INDArray[]{y});
        ComputationGraph ours = Lowering.lower(dl4j);
        assertTrue(relDiff(dl4j.outputSingle(x), ours.outputSingle(x)) < 1e-10);
        for (int it = 0; it < 3; it++) {
            dl4j.fit(new INDArray[]{x}, new INDArray[]{y});
            ours.fit(new INDArray[]{x}, new INDArray[]{y});
        }
        assertTrue(relDiff(dl4j.outputSingle(x), ours.outputSingle(x)) < 1e-10);
        ComputationGraph back = Lowering.restore(ours);
        assertTrue(relDiff(dl4j.params(), back.params()) < 1e-10);
        assertTrue(relDiff(dl4j.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray()) < 1e-10);
    }
}
