package io.github.dl4jcompress.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lowered convolutions configured and trained from scratch: first and middle layer, MLN and CG, double precision. */
class LoweredConvolutionFromScratchTest {

    private static INDArray oneHot(DataType dt, int n, int classes) {
        INDArray y = Nd4j.zeros(dt, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % classes, 1.0);
        }
        return y;
    }

    /** lowered conv1 (first layer) -> max pool -> lowered conv2 -> softmax, 1x14x14 flat input (a preprocessor view). */
    private static MultiLayerConfiguration lenetLike(DataType dt, boolean bias, int[] kept2) {
        LoweredConvolution.Builder conv2 = new LoweredConvolution.Builder(3, 3).nOut(6).hasBias(bias).activation(Activation.TANH);
        if (kept2 != null) {
            conv2.keptPositions(kept2);
        }
        return new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2)).dataType(dt).list()
                .layer(new LoweredConvolution.Builder(5, 5).nOut(4).hasBias(bias).activation(Activation.RELU)
                        .keptPositions(IntStream.range(0, 25).toArray()).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(conv2.build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(14, 14, 1)).build();
    }

    @Test
    void loweredConvolutionsAsFirstAndSecondLayerTrainFromScratch() {
        MultiLayerNetwork net = new MultiLayerNetwork(lenetLike(DataType.FLOAT, true, null));
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 196);
        INDArray y = oneHot(DataType.FLOAT, 16, 3);
        double before = net.score(new DataSet(x, y));
        for (int i = 0; i < 40; i++) {
            net.fit(x, y);
        }
        double after = net.score(new DataSet(x, y));
        assertTrue(after < 0.8 * before, "loss " + before + " -> " + after);
    }

    @Test
    void convolutionModeComesFromTheGlobalBuilderUnlessSetOnTheLayer() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().convolutionMode(ConvolutionMode.Same).list()
                .layer(new LoweredConvolution.Builder(3, 3).stride(2, 2).nOut(2).build())
                .layer(new LoweredConvolution.Builder(3, 3).convolutionMode(ConvolutionMode.Truncate).nOut(2).build())
                .layer(new OutputLayer.Builder().nOut(2).build())
                .setInputType(InputType.convolutional(9, 9, 1)).build();
        assertEquals(ConvolutionMode.Same, ((LoweredConvolution) conf.getConf(0).getLayer()).getConvolutionMode());
        assertEquals(ConvolutionMode.Truncate, ((LoweredConvolution) conf.getConf(1).getLayer()).getConvolutionMode());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // Same: 9 -> ceil(9/2) = 5; Truncate 3x3: 5 -> 3
        assertArrayEquals(new long[]{2, 2, 5, 5}, net.feedForward(Nd4j.rand(DataType.FLOAT, 2, 1, 9, 9)).get(1).shape());
        assertArrayEquals(new long[]{2, 2, 3, 3}, net.feedForward(Nd4j.rand(DataType.FLOAT, 2, 1, 9, 9)).get(2).shape());
    }

    @Test
    void ofAnUnbuiltConvolutionResolvesModeAndEqualsDl4jWithTheSameWeights() {
        ConvolutionLayer unbuilt = new ConvolutionLayer.Builder(3, 3).nOut(5).activation(Activation.RELU).build();
        assertNull(unbuilt.getConvolutionMode());
        LoweredConvolution dense = LoweredConvolution.of(unbuilt, null);
        assertTrue(dense.isDense());
        for (boolean lowered : new boolean[]{false, true}) {
            ConvolutionLayer built = (ConvolutionLayer) new NeuralNetConfiguration.Builder().convolutionMode(ConvolutionMode.Same)
                    .list().layer(lowered ? dense.clone() : unbuilt.clone()).layer(new OutputLayer.Builder().nOut(2).build())
                    .setInputType(InputType.convolutional(6, 6, 2)).build().getConf(0).getLayer();
            assertEquals(ConvolutionMode.Same, built.getConvolutionMode());
        }
        MultiLayerNetwork[] nets = new MultiLayerNetwork[2];
        for (int i = 0; i < 2; i++) {
            nets[i] = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE).list()
                    .layer(i == 0 ? unbuilt.clone() : dense.clone())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build())
                    .setInputType(InputType.convolutional(6, 6, 2)).build());
            nets[i].init();
        }
        // DL4J's W is [nOut, nIn, kH, kW] c order: with every position kept, the compact [nOut, 18] is the same values
        nets[1].getLayer(0).setParam("W", nets[0].getLayer(0).getParam("W").dup('c').reshape('c', 5, 18));
        nets[1].getLayer(0).setParam("b", nets[0].getLayer(0).getParam("b"));
        nets[1].getLayer(1).setParams(nets[0].getLayer(1).params());
        assertEquals(nets[0].numParams(), nets[1].numParams());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 2, 6, 6).subi(0.5);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 3, 2);
        assertTrue(relDiff(nets[0].output(x), nets[1].output(x)) < 1e-10);
        for (MultiLayerNetwork n : nets) {
            n.setInput(x);
            n.setLabels(y);
            n.computeGradientAndScore();
        }
        assertEquals(nets[0].score(), nets[1].score(), 1e-12);
        var g0 = nets[0].gradient().gradientForVariable();
        var g1 = nets[1].gradient().gradientForVariable();
        assertTrue(relDiff(g0.get("0_W").dup('c').reshape('c', 5, 18), g1.get("0_W")) < 1e-10, "dW");
        assertTrue(relDiff(g0.get("0_b"), g1.get("0_b")) < 1e-10, "db");
        assertTrue(relDiff(g0.get("1_W"), g1.get("1_W")) < 1e-10, "output layer dW");
    }

    static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / Math.max(1e-12, a.amaxNumber().doubleValue());
    }

    private static boolean check(MultiLayerNetwork net, INDArray x, INDArray y) {
        return inDouble(() -> GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)));
    }

    /** GradientCheckUtil requires ND4J's default floating type to be DOUBLE. */
    static boolean inDouble(java.util.function.BooleanSupplier check) {
        DataType before = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            return check.getAsBoolean();
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void gradientCheckFirstAndMiddleLayerWithAndWithoutBias() {
        Nd4j.getRandom().setSeed(12);
        for (boolean bias : new boolean[]{true, false}) {
            // middle layer shape-sparse: keeps 11 of 36 positions
            MultiLayerConfiguration conf = lenetLike(DataType.DOUBLE, bias, new int[]{0, 4, 5, 8, 9, 13, 17, 22, 27, 30, 35});
            for (var c : conf.getConfs()) {
                if (c.getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer bl) {
                    bl.setIUpdater(new NoOp());
                }
            }
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 196);
            assertTrue(check(net, x, oneHot(DataType.DOUBLE, 3, 3)), "bias " + bias);
        }
    }

    @Test
    void gradientCheckStridedPaddedSameModeAndGraph() {
        Nd4j.getRandom().setSeed(5);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).updater(new NoOp())
                .dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER).list()
                .layer(new LoweredConvolution.Builder(3, 2).stride(2, 1).padding(1, 0).nOut(3).activation(Activation.SIGMOID)
                        .keptPositions(0, 2, 3, 7, 10).build())
                .layer(new LoweredConvolution.Builder(2, 3).stride(1, 2).convolutionMode(ConvolutionMode.Same).nOut(2)
                        .activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(7, 6, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertTrue(check(net, Nd4j.rand(DataType.DOUBLE, 2, 2, 7, 6), Nd4j.rand(DataType.DOUBLE, 2, 2)));

        for (boolean bias : new boolean[]{true, false}) {
            ComputationGraph g = new ComputationGraph(graph(DataType.DOUBLE, bias));
            g.init();
            INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, 6, 6);
            assertTrue(inDouble(() -> GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{x}).labels(new INDArray[]{oneHot(DataType.DOUBLE, 2, 3)})
                    .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8))), "graph bias " + bias);
        }
    }

    /** in -> a (lowered, first) -> b (lowered, shape-sparse) ; a + b -> out: a residual block. */
    static ComputationGraphConfiguration graph(DataType dt, boolean bias) {
        return new NeuralNetConfiguration.Builder().seed(9).updater(dt == DataType.DOUBLE ? new NoOp() : new Adam(1e-2))
                .dataType(dt).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .addLayer("a", new LoweredConvolution.Builder(3, 3).nOut(3).hasBias(bias).activation(Activation.TANH).build(), "in")
                .addLayer("b", new LoweredConvolution.Builder(3, 3).nOut(3).hasBias(bias).activation(Activation.IDENTITY)
                        .keptPositions(1, 3, 4, 5, 7, 13, 22, 26).build(), "a")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "sum")
                .setOutputs("out").setInputTypes(InputType.convolutional(6, 6, 2)).build();
    }

    @Test
    void jsonRoundTripsKeepEveryField() {
        MultiLayerConfiguration conf = lenetLike(DataType.FLOAT, false, new int[]{1, 2, 30});
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        LoweredConvolution l = (LoweredConvolution) back.getConf(2).getLayer();
        assertArrayEquals(new int[]{1, 2, 30}, l.getKeptPositions());
        assertTrue(!l.hasBias());
        ComputationGraphConfiguration g = graph(DataType.FLOAT, true);
        assertEquals(g, ComputationGraphConfiguration.fromJson(g.toJson()));
        // the dense shortcut serializes as "all positions"
        MultiLayerConfiguration dense = new NeuralNetConfiguration.Builder().list()
                .layer(new LoweredConvolution.Builder(2, 2).allPositions().nOut(2).build())
                .layer(new OutputLayer.Builder().nOut(2).build()).setInputType(InputType.convolutional(4, 4, 3)).build();
        LoweredConvolution d = (LoweredConvolution) MultiLayerConfiguration.fromJson(dense.toJson()).getConf(0).getLayer();
        assertTrue(d.isDense());
        assertEquals(12, d.keptCount());
    }

    @Test
    void modelSerializerRoundTripThenContinuedTrainingMatchesTheOriginal(@TempDir File dir) throws Exception {
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 196);
        INDArray y = oneHot(DataType.FLOAT, 8, 3);
        MultiLayerNetwork net = new MultiLayerNetwork(lenetLike(DataType.FLOAT, true, new int[]{0, 5, 9, 20, 33}));
        net.init();
        net.fit(x, y);
        File f = new File(dir, "mln.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(net.getLayerWiseConfigurations(), back.getLayerWiseConfigurations());
        assertEquals(net.params(), back.params());
        assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        for (int i = 0; i < 3; i++) {
            net.fit(x, y);
            back.fit(x, y);
        }
        assertEquals(net.params(), back.params());
        assertEquals(net.output(x), back.output(x));

        ComputationGraph g = new ComputationGraph(graph(DataType.FLOAT, true));
        g.init();
        INDArray gx = Nd4j.rand(DataType.FLOAT, 4, 2, 6, 6);
        INDArray gy = oneHot(DataType.FLOAT, 4, 3);
        g.fit(new INDArray[]{gx}, new INDArray[]{gy});
        File gf = new File(dir, "cg.zip");
        ModelSerializer.writeModel(g, gf, true);
        ComputationGraph gb = ModelSerializer.restoreComputationGraph(gf, true);
        double before = gb.score(new DataSet(gx, gy));
        for (int i = 0; i < 3; i++) {
            g.fit(new INDArray[]{gx}, new INDArray[]{gy});
            gb.fit(new INDArray[]{gx}, new INDArray[]{gy});
        }
        assertEquals(g.params(), gb.params());
        assertTrue(gb.score(new DataSet(gx, gy)) < before);
    }
}
