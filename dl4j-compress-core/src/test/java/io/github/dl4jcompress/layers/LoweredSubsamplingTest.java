package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java pooling layer against DL4J's: forward and backward, ties, fallbacks, serialization. */
class LoweredSubsamplingTest {

    private static SubsamplingLayer pool(PoolingType type, int[] k, int[] s, ConvolutionMode mode) {
        return new SubsamplingLayer.Builder(type).name("pool").kernelSize(k).stride(s).convolutionMode(mode).build();
    }

    /** The runtime layer of a one-layer network holding {@code layer}, for input [c, h, w]. */
    private static Layer runtime(org.deeplearning4j.nn.conf.layers.Layer layer, DataType dt, int c, int h, int w) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(dt).list()
                .layer(layer).setInputType(InputType.convolutional(h, w, c)).build());
        net.init();
        return net.getLayer(0);
    }

    private static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / Math.max(1e-12, a.amaxNumber().doubleValue());
    }

    @Test
    void forwardAndBackwardEqualDl4jPoolingIncludingTiedMaxima() {
        Object[][] cases = {
                {PoolingType.MAX, new int[]{2, 2}, new int[]{2, 2}},
                {PoolingType.MAX, new int[]{3, 3}, new int[]{2, 2}},
                {PoolingType.MAX, new int[]{3, 2}, new int[]{1, 2}},
                {PoolingType.AVG, new int[]{2, 2}, new int[]{2, 2}},
                {PoolingType.AVG, new int[]{3, 2}, new int[]{2, 1}},
        };
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        Nd4j.getRandom().setSeed(11);
        for (Object[] c : cases) {
            SubsamplingLayer conf = pool((PoolingType) c[0], (int[]) c[1], (int[]) c[2], ConvolutionMode.Truncate);
            Layer dl4j = runtime(conf, DataType.FLOAT, 4, 9, 11);
            Layer ours = runtime(LoweredSubsampling.of(conf), DataType.FLOAT, 4, 9, 11);
            assertSame(LoweredSubsamplingLayer.class, ours.getClass());
            for (int batch : new int[]{1, 3}) {
                // values on a 0.25 grid after ReLU: many windows with tied maxima (all zeros, or repeated values)
                INDArray x = Transforms.relu(Transforms.round(Nd4j.rand(DataType.FLOAT, batch, 4, 9, 11).subi(0.4).muli(8)).divi(4));
                String where = c[0] + " k" + java.util.Arrays.toString((int[]) c[1]) + " s" + java.util.Arrays.toString((int[]) c[2]) + " batch " + batch;
                for (boolean training : new boolean[]{true, false}) {
                    dl4j.setInput(x, mgr);
                    ours.setInput(x, mgr);
                    INDArray want = dl4j.activate(training, mgr);
                    INDArray got = ours.activate(training, mgr);
                    assertTrue(relDiff(want, got) <= 1e-6, where + " forward " + relDiff(want, got));
                    // backward after a training forward pass (cached maxima) and without one (recomputed)
                    INDArray eps = Nd4j.rand(DataType.FLOAT, want.shape()).subi(0.5);
                    INDArray dxWant = dl4j.backpropGradient(eps, mgr).getSecond();
                    INDArray dxGot = ours.backpropGradient(eps, mgr).getSecond();
                    assertTrue(relDiff(dxWant, dxGot) <= 1e-6, where + " backward, training forward " + training + ": " + relDiff(dxWant, dxGot));
                }
            }
        }
    }

    /**
     * The finite-difference check of the Java path (GradientCheckUtil needs doubles, which this layer sends to DL4J's
     * code, so this is its float counterpart): for {@code f(x) = sum(r * pool(x))} with a fixed random {@code r}, the
     * input gradient from {@code backpropGradient(r)} equals the central difference {@code (f(x + h e_i) - f(x - h e_i))
     * / 2h} at every input element. Inputs are distinct multiples of 1/64 spaced at least 4h apart, so no window's
     * maximum changes within the step and {@code f} is linear there; f is summed in double, leaving the float rounding of
     * the outputs (hence GradientCheckUtil's default bound, 1e-3 relative, with entries below 0.01 compared absolutely).
     */
    @Test
    void javaPathInputGradientEqualsCentralFiniteDifferences() {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        Object[][] cases = {
                {PoolingType.MAX, new int[]{2, 2}, new int[]{2, 2}},
                {PoolingType.MAX, new int[]{3, 3}, new int[]{2, 1}},
                {PoolingType.AVG, new int[]{2, 2}, new int[]{2, 2}},
                {PoolingType.AVG, new int[]{3, 2}, new int[]{1, 2}},
        };
        int batch = 2, ch = 2, h = 7, w = 6;
        int len = batch * ch * h * w;
        float step = 1f / 256;
        java.util.Random random = new java.util.Random(17);
        for (Object[] c : cases) {
            String where = c[0] + " k" + java.util.Arrays.toString((int[]) c[1]) + " s" + java.util.Arrays.toString((int[]) c[2]);
            Layer ours = runtime(LoweredSubsampling.of(pool((PoolingType) c[0], (int[]) c[1], (int[]) c[2], ConvolutionMode.Truncate)),
                    DataType.FLOAT, ch, h, w);
            java.util.List<Integer> values = new java.util.ArrayList<>();
            for (int i = 0; i < len; i++) {
                values.add(i - len / 2);
            }
            java.util.Collections.shuffle(values, random);
            float[] xv = new float[len];
            for (int i = 0; i < len; i++) {
                xv[i] = values.get(i) / 64f;
            }
            INDArray x = Nd4j.create(xv, new long[]{batch, ch, h, w}, 'c');
            ours.setInput(x, mgr);
            INDArray out = ours.activate(true, mgr);
            INDArray r = Nd4j.rand(DataType.FLOAT, out.shape()).subi(0.5);
            INDArray analytic = ours.backpropGradient(r, mgr).getSecond().dup();
            double worst = 0;
            for (int i = 0; i < len; i++) {
                double[] f = new double[2];
                for (int side = 0; side < 2; side++) {
                    float[] moved = xv.clone();
                    moved[i] += side == 0 ? step : -step;
                    ours.setInput(Nd4j.create(moved, new long[]{batch, ch, h, w}, 'c'), mgr);
                    INDArray o = ours.activate(false, mgr).castTo(DataType.DOUBLE);
                    f[side] = o.mul(r.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
                }
                double numeric = (f[0] - f[1]) / (2 * step);
                double got = analytic.getDouble(i);
                worst = Math.max(worst, Math.abs(numeric - got) / Math.max(1e-2, Math.abs(numeric) + Math.abs(got)));
            }
            assertTrue(worst < 1e-3, where + ": worst relative error " + worst);
            // not vacuous: some gradient entries are non-zero
            assertTrue(analytic.amaxNumber().doubleValue() > 0.05, where);
        }
    }

    @Test
    void doubleDataAndSameModeFallBackToDl4jAndStillAgree() {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        Object[][] cases = {{DataType.DOUBLE, ConvolutionMode.Truncate}, {DataType.FLOAT, ConvolutionMode.Same}};
        for (Object[] c : cases) {
            SubsamplingLayer conf = pool(PoolingType.MAX, new int[]{2, 2}, new int[]{2, 2}, (ConvolutionMode) c[1]);
            Layer dl4j = runtime(conf, (DataType) c[0], 2, 7, 7);
            Layer ours = runtime(LoweredSubsampling.of(conf), (DataType) c[0], 2, 7, 7);
            INDArray x = Nd4j.rand((DataType) c[0], 2, 2, 7, 7);
            dl4j.setInput(x, mgr);
            ours.setInput(x, mgr);
            INDArray want = dl4j.activate(true, mgr);
            assertEquals(want, ours.activate(true, mgr));
            INDArray eps = Nd4j.rand((DataType) c[0], want.shape());
            assertEquals(dl4j.backpropGradient(eps, mgr).getSecond(), ours.backpropGradient(eps, mgr).getSecond());
        }
    }

    private static MultiLayerConfiguration small() {
        return Lowering.lower(new NeuralNetConfiguration.Builder().seed(3).updater(new Nesterovs(0.05, 0.9)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).name("p1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).name("p2").kernelSize(2, 2).stride(1, 1).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(10, 10, 1)).build());
    }

    @Test
    void jsonAndModelSerializerRoundTripsKeepTheLayerAndTrainingContinuesIdentically(@TempDir File dir) throws Exception {
        MultiLayerConfiguration conf = small();
        assertSame(LoweredSubsampling.class, conf.getConf(1).getLayer().getClass());
        assertSame(LoweredSubsampling.class, conf.getConf(2).getLayer().getClass());
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertSame(LoweredSubsampling.class, back.getConf(2).getLayer().getClass());
        assertEquals(PoolingType.AVG, ((SubsamplingLayer) back.getConf(2).getLayer()).getPoolingType());
        assertNotEquals(conf.getConf(1).getLayer(), ((LoweredSubsampling) conf.getConf(1).getLayer()).toSubsamplingLayer());

        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 100);
        INDArray y = Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.FLOAT);
        net.fit(x, y);
        File f = new File(dir, "net.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork loaded = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertSame(LoweredSubsamplingLayer.class, loaded.getLayer(1).getClass());
        assertEquals(net.getLayerWiseConfigurations(), loaded.getLayerWiseConfigurations());
        assertEquals(net.getUpdater().getStateViewArray(), loaded.getUpdater().getStateViewArray());
        net.fit(x, y);
        loaded.fit(x, y);
        assertEquals(net.params(), loaded.params());
    }
}
