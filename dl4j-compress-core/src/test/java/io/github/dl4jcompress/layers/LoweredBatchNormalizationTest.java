package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java batch normalization against DL4J's: forward, backward, running statistics, training, serialization. */
class LoweredBatchNormalizationTest {

    private static double relDiff(INDArray want, INDArray got) {
        return want.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue()
                / Math.max(1e-12, want.amaxNumber().doubleValue());
    }

    /**
     * max over every parameter of layers {@code names}, difference relative to max(|want|, 1e-2) (small biases and running statistics
     * start at 0; float rounding over a few steps leaves ~1e-8 absolute) after flattening in c order (a lowered
     * convolution keeps W as [nOut, nIn·kH·kW] and orders its parameters differently in the flat vector).
     */
    private static String worstParam = "";

    private static double paramDiff(java.util.function.Function<String, org.deeplearning4j.nn.api.Layer> a,
                                    java.util.function.Function<String, org.deeplearning4j.nn.api.Layer> b, String... names) {
        double worst = 0;
        for (String name : names) {
            for (String key : a.apply(name).paramTable().keySet()) {
                INDArray want = a.apply(name).getParam(key).dup('c').reshape(-1);
                INDArray got = b.apply(name).getParam(key).dup('c').reshape(-1);
                double d = want.sub(got).amaxNumber().doubleValue() / Math.max(1e-2, want.amaxNumber().doubleValue());
                if (d > worst) {
                    worst = d;
                    worstParam = name + "/" + key;
                }
            }
        }
        return worst;
    }

    private static BatchNormalization bn(boolean logStd) {
        return new BatchNormalization.Builder().name("bn").useLogStd(logStd).decay(0.8).eps(1e-4).build();
    }

    /** The runtime layer of a one-layer network holding {@code layer}, for input [c, h, w]. */
    private static Layer runtime(org.deeplearning4j.nn.conf.layers.Layer layer, int c, int h, int w) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(layer).setInputType(InputType.convolutional(h, w, c)).build());
        net.init();
        net.initGradientsView();
        return net.getLayer(0);
    }

    @Test
    void forwardBackwardAndRunningStatisticsEqualDl4jInBothParameterisations() {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        Nd4j.getRandom().setSeed(3);
        for (boolean logStd : new boolean[]{true, false}) {
            Layer dl4j = runtime(bn(logStd), 5, 6, 7);
            Layer ours = runtime(LoweredBatchNormalization.of(bn(logStd)), 5, 6, 7);
            assertSame(LoweredBatchNormalizationLayer.class, ours.getClass());
            // non-trivial γ, β and running statistics
            INDArray p = dl4j.params().dup();
            p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).muli(0.8).addi(0.3));
            dl4j.setParams(p.dup());
            ours.setParams(p.dup());
            for (int batch : new int[]{1, 4}) {
                INDArray x = Nd4j.randn(DataType.FLOAT, batch, 5, 6, 7).muli(2).addi(0.7);
                for (boolean training : new boolean[]{true, false}) {
                    String where = "logStd " + logStd + " batch " + batch + " training " + training;
                    dl4j.setInput(x.dup(), mgr);
                    ours.setInput(x.dup(), mgr);
                    INDArray want = dl4j.activate(training, mgr);
                    INDArray got = ours.activate(training, mgr);
                    assertTrue(relDiff(want, got) < 1e-5, where + " forward " + relDiff(want, got));
                    if (!training) {
                        continue;
                    }
                    INDArray eps = Nd4j.randn(DataType.FLOAT, want.shape());
                    Pair<Gradient, INDArray> gw = dl4j.backpropGradient(eps.dup(), mgr);
                    Pair<Gradient, INDArray> gg = ours.backpropGradient(eps.dup(), mgr);
                    assertTrue(relDiff(gw.getSecond(), gg.getSecond()) < 1e-5, where + " dx " + relDiff(gw.getSecond(), gg.getSecond()));
                    for (String key : gw.getFirst().gradientForVariable().keySet()) {
                        INDArray a = gw.getFirst().getGradientFor(key);
                        INDArray b = gg.getFirst().getGradientFor(key);
                        assertTrue(b != null && relDiff(a, b) < 1e-5, where + " gradient of " + key + ": " + (b == null ? "missing" : relDiff(a, b)));
                    }
                    assertEquals(gw.getFirst().gradientForVariable().keySet(), gg.getFirst().gradientForVariable().keySet());
                }
            }
        }
    }

    /**
     * Float finite differences of {@code f = Σ r·BN(x)} in training mode (batch statistics) against the Java path's
     * input, γ and β gradients (GradientCheckUtil needs doubles, which this layer sends to DL4J's code). Central
     * differences with step 1e-2 on values of order 1; f summed in double; bound 1e-2 relative (float rounding of the
     * outputs divided by the step), entries below 1e-2 compared absolutely.
     */
    @Test
    void javaPathGradientsEqualCentralFiniteDifferences() {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        Nd4j.getRandom().setSeed(8);
        Layer ours = runtime(LoweredBatchNormalization.of(bn(true)), 2, 3, 3);
        INDArray p = ours.params().dup();
        p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).addi(0.5));
        ours.setParams(p);
        INDArray x = Nd4j.randn(DataType.FLOAT, 3, 2, 3, 3);
        INDArray r = Nd4j.randn(DataType.FLOAT, 3, 2, 3, 3);
        ours.setInput(x, mgr);
        ours.activate(true, mgr);
        Pair<Gradient, INDArray> g = ours.backpropGradient(r, mgr);
        INDArray dx = g.getSecond().dup();
        INDArray dGamma = g.getFirst().getGradientFor("gamma").dup();
        INDArray dBeta = g.getFirst().getGradientFor("beta").dup();
        float h = 1e-2f;
        double worst = 0;
        for (int i = 0; i < x.length(); i++) {
            double numeric = difference(ours, mgr, x, r, x, i, h);
            worst = Math.max(worst, err(numeric, dx.getDouble(i)));
        }
        for (String key : new String[]{"gamma", "beta"}) {
            INDArray param = ours.getParam(key);
            INDArray analytic = key.equals("gamma") ? dGamma : dBeta;
            for (int i = 0; i < param.length(); i++) {
                double numeric = difference(ours, mgr, x, r, param, i, h);
                worst = Math.max(worst, err(numeric, analytic.getDouble(i)));
            }
        }
        assertTrue(worst < 1e-2, "worst relative error " + worst);
        assertTrue(dx.amaxNumber().doubleValue() > 0.05 && dGamma.amaxNumber().doubleValue() > 0.05);
    }

    private static double err(double numeric, double analytic) {
        return Math.abs(numeric - analytic) / Math.max(1e-2, Math.abs(numeric) + Math.abs(analytic));
    }

    /** {@code (f(a_i + h) − f(a_i − h)) / 2h}, a being the input x or a parameter view (restored afterwards). */
    private static double difference(Layer layer, LayerWorkspaceMgr mgr, INDArray x, INDArray r, INDArray a, int i, float h) {
        float v = a.getFloat(i);
        double[] f = new double[2];
        for (int side = 0; side < 2; side++) {
            a.putScalar(i, side == 0 ? v + h : v - h);
            layer.setInput(x, mgr);
            f[side] = layer.activate(true, mgr).castTo(DataType.DOUBLE).mul(r.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
        }
        a.putScalar(i, v);
        return (f[0] - f[1]) / (2 * h);
    }

    private static MultiLayerConfiguration net(boolean lowered) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(5).updater(new Nesterovs(0.05, 0.9))
                .dataType(DataType.FLOAT).convolutionMode(ConvolutionMode.Same).list()
                // no bias before batch normalization (its gradient is 0 in exact arithmetic: rounding noise only)
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).hasBias(false).activation(Activation.IDENTITY).build())
                // log10 std (DL4J's default) with a large ε: inference must use sqrt(10^(2·log10std) + ε), as DL4J
                .layer(new BatchNormalization.Builder().eps(1e-3).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(5).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().useLogStd(false).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 2)).build();
        return lowered ? Lowering.lower(c) : c;
    }

    private static INDArray labels(int n) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return y;
    }

    @Test
    void aLoweredNetworkTrainsLikeDl4jIncludingRunningStatisticsAndRestores() {
        MultiLayerNetwork dl4j = new MultiLayerNetwork(net(false));
        dl4j.init();
        MultiLayerConfiguration lc = net(true);
        assertSame(LoweredBatchNormalization.class, lc.getConf(1).getLayer().getClass());
        assertSame(LoweredBatchNormalization.class, lc.getConf(4).getLayer().getClass());
        new MultiLayerNetwork(lc).init();
        MultiLayerNetwork ours = Lowering.lower(dl4j);
        assertSame(LoweredBatchNormalization.class, ours.getLayerWiseConfigurations().getConf(4).getLayer().getClass());
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, 2, 8, 8);
        INDArray y = labels(6);
        for (int it = 0; it < 5; it++) {
            dl4j.fit(x, y);
            ours.fit(x, y);
        }
        String[] layers = {"0", "1", "3", "4", "6"};
        double d = paramDiff(n -> dl4j.getLayer(Integer.parseInt(n)), n -> ours.getLayer(Integer.parseInt(n)), layers);
        assertTrue(d < 1e-5, "params incl. running statistics " + d + " at " + worstParam);
        assertTrue(relDiff(dl4j.output(x), ours.output(x)) < 1e-5);
        assertTrue(relDiff(dl4j.output(x), FusedInference.of(ours).output(x)) < 1e-5);
        MultiLayerNetwork back = Lowering.restore(ours);
        assertSame(BatchNormalization.class, back.getLayerWiseConfigurations().getConf(1).getLayer().getClass());
        assertEquals(dl4j.getLayerWiseConfigurations().getConf(4).getLayer(), back.getLayerWiseConfigurations().getConf(4).getLayer());
    }

    @Test
    void aGraphLowersItsBatchNormalizationAndTrainsLikeDl4j() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).updater(new Nesterovs(0.05, 0.9))
                .dataType(DataType.FLOAT).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).nOut(4).hasBias(false).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "a")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("proj", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.IDENTITY).build(), "in")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "relu", "proj")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "sum")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(6, 6, 2)).build();
        ComputationGraph dl4j = new ComputationGraph(conf);
        dl4j.init();
        ComputationGraph ours = Lowering.lower(dl4j);
        assertSame(LoweredBatchNormalization.class, ((LayerVertex) ours.getConfiguration().getVertices().get("bn")).getLayerConf().getLayer().getClass());
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 2, 6, 6);
        INDArray y = labels(5);
        for (int it = 0; it < 4; it++) {
            dl4j.fit(new INDArray[]{x}, new INDArray[]{y});
            ours.fit(new INDArray[]{x}, new INDArray[]{y});
        }
        double d = paramDiff(dl4j::getLayer, ours::getLayer, "a", "bn", "proj", "out");
        assertTrue(d < 1e-5, "params incl. running statistics " + d + " at " + worstParam);
        assertTrue(relDiff(dl4j.outputSingle(x), ours.outputSingle(x)) < 1e-5);
    }

    @Test
    void jsonAndModelSerializerRoundTripsKeepTheLayerAndTrainingContinuesIdentically(@TempDir File dir) throws Exception {
        // DL4J's deserializer sets useLogStd from the parameter names a network recorded in the configuration: the
        // JSON of a configuration some network has initialized (as ModelSerializer writes it)
        MultiLayerNetwork net = new MultiLayerNetwork(net(true));
        net.init();
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        for (int i = 0; i < conf.getConfs().size(); i++) {
            assertEquals(conf.getConf(i).getLayer(), back.getConf(i).getLayer(), "layer " + i);
        }
        assertEquals(conf, back);
        BatchNormalization second = (BatchNormalization) back.getConf(4).getLayer();
        assertSame(LoweredBatchNormalization.class, second.getClass());
        assertEquals(false, second.isUseLogStd());
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 2, 8, 8);
        INDArray y = labels(4);
        net.fit(x, y);
        File f = new File(dir, "net.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork loaded = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertSame(LoweredBatchNormalizationLayer.class, loaded.getLayer(1).getClass());
        assertEquals(net.getLayerWiseConfigurations(), loaded.getLayerWiseConfigurations());
        net.fit(x, y);
        loaded.fit(x, y);
        assertEquals(net.params(), loaded.params());
    }
}
