package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lowered convolution against DL4J's ConvolutionLayer with the same (shape-masked) weights. */
class LoweredConvolutionTest {

    /** conv c0 (DL4J) -> conv "mid" (DL4J or lowered) -> MSE output, on 3x12x11 input. */
    private static MultiLayerConfiguration conf(org.deeplearning4j.nn.conf.layers.Layer mid, int midOut) {
        return conf(mid, 12, 11);
    }

    /** {@link #conf(org.deeplearning4j.nn.conf.layers.Layer, int)} on 3 x h x w input. */
    private static MultiLayerConfiguration conf(org.deeplearning4j.nn.conf.layers.Layer mid, int h, int w) {
        return new NeuralNetConfiguration.Builder().seed(7).updater(new Sgd(0.05)).dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(2, 2).name("c0").nOut(6).activation(Activation.TANH).build())
                .layer(mid)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nOut(3).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(h, w, 3)).build();
    }

    /** Dense DL4J network with a random half of mid's kernel positions zeroed across all filters, and its lowered twin. */
    private static MultiLayerNetwork[] pair(int[] kernel, int[] stride, int[] pad, ConvolutionMode mode, Activation act,
                                            int nOut, long seed) {
        return pair(kernel, stride, pad, mode, act, nOut, seed, 12, 11);
    }

    /** {@link #pair(int[], int[], int[], ConvolutionMode, Activation, int, long)} on 3 x h x w input. */
    private static MultiLayerNetwork[] pair(int[] kernel, int[] stride, int[] pad, ConvolutionMode mode, Activation act,
                                            int nOut, long seed, int inH, int inW) {
        ConvolutionLayer mid = new ConvolutionLayer.Builder(kernel).stride(stride).padding(pad).convolutionMode(mode)
                .name("mid").nOut(nOut).activation(act).build();
        MultiLayerNetwork dense = new MultiLayerNetwork(conf(mid, inH, inW));
        dense.init();
        INDArray w = dense.getLayer(1).getParam("W").dup('c');
        int total = (int) (w.length() / nOut);
        Random r = new Random(seed);
        List<Integer> kept = new ArrayList<>();
        INDArray w2 = w.reshape('c', nOut, total);
        for (int k = 0; k < total; k++) {
            if (r.nextBoolean() && !(k == total - 1 && kept.isEmpty())) {
                kept.add(k);
            } else {
                w2.getColumn(k).assign(0);
            }
        }
        dense.getLayer(1).setParam("W", w2.reshape('c', w.shape()));
        dense.getLayer(1).setParam("b", Nd4j.rand(DataType.FLOAT, 1, nOut).subi(0.5));
        int[] keptArr = kept.stream().mapToInt(Integer::intValue).toArray();

        MultiLayerConfiguration lc = dense.getLayerWiseConfigurations().clone();
        lc.getConf(1).setLayer(LoweredConvolution.of((ConvolutionLayer) dense.getLayerWiseConfigurations().getConf(1).getLayer(), keptArr));
        MultiLayerNetwork lowered = new MultiLayerNetwork(lc);
        lowered.init();
        lowered.getLayer(0).setParams(dense.getLayer(0).params());
        lowered.getLayer(2).setParams(dense.getLayer(2).params());
        INDArray compact = Nd4j.create(DataType.FLOAT, nOut, keptArr.length);
        for (int i = 0; i < keptArr.length; i++) {
            compact.getColumn(i).assign(w2.getColumn(keptArr[i]));
        }
        lowered.getLayer(1).setParam("W", compact);
        lowered.getLayer(1).setParam("b", dense.getLayer(1).getParam("b"));
        return new MultiLayerNetwork[]{dense, lowered, null};
    }

    private static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / Math.max(1.0, a.amaxNumber().doubleValue());
    }

    private static final Object[][] CASES = {
            // kernel, stride, pad, mode, activation, nOut (8*9=72 inputs x 40 filters uses BLAS; small ones Java GEMM)
            {new int[]{3, 3}, new int[]{1, 1}, new int[]{0, 0}, ConvolutionMode.Truncate, Activation.RELU, 4},
            {new int[]{3, 3}, new int[]{2, 2}, new int[]{1, 1}, ConvolutionMode.Truncate, Activation.TANH, 5},
            {new int[]{3, 2}, new int[]{2, 1}, new int[]{0, 0}, ConvolutionMode.Same, Activation.IDENTITY, 3},
            {new int[]{3, 3}, new int[]{1, 1}, new int[]{2, 1}, ConvolutionMode.Truncate, Activation.RELU, 40},
            {new int[]{5, 5}, new int[]{2, 2}, new int[]{0, 0}, ConvolutionMode.Same, Activation.LEAKYRELU, 33},
    };

    @Test
    void forwardEqualsDl4jConvolutionInBothWorkspaceModes() {
        long seed = 1;
        for (Object[] c : CASES) {
            MultiLayerNetwork[] p = pair((int[]) c[0], (int[]) c[1], (int[]) c[2], (ConvolutionMode) c[3], (Activation) c[4], (int) c[5], seed++);
            for (int batch : new int[]{1, 5}) {
                INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, 12, 11).subi(0.5);
                for (WorkspaceMode m : new WorkspaceMode[]{WorkspaceMode.NONE, WorkspaceMode.ENABLED}) {
                    p[0].getLayerWiseConfigurations().setInferenceWorkspaceMode(m);
                    p[1].getLayerWiseConfigurations().setInferenceWorkspaceMode(m);
                    List<INDArray> a = p[0].feedForward(x, false);
                    List<INDArray> b = p[1].feedForward(x, false);
                    assertTrue(java.util.Arrays.equals(a.get(2).shape(), b.get(2).shape()), "shape " + java.util.Arrays.deepToString(c));
                    double d = relDiff(a.get(2), b.get(2));
                    assertTrue(d < 1e-5, "case " + java.util.Arrays.deepToString(c) + " batch " + batch + " ws " + m + ": diff " + d);
                    assertTrue(relDiff(p[0].output(x), p[1].output(x)) < 1e-5);
                }
            }
        }
    }

    @Test
    void gradientsEqualDl4jAtKeptPositionsAndOneSgdStepMatches() {
        gradientsAndOneStepMatch(CASES, 11, 4, 12, 11);
    }

    /**
     * Large images (3 x 40 x 40 into c0, 39 x 39 into the lowered layer). Stride 2 and the wide 1 x 9 kernel (41 of 39
     * computed columns would be wasted) lower a few images per cache group (about 12 and 4 here), and the batch of 7 / 13
     * ends with a shorter group, whose column matrix has its own layout; the 3 x 3 and 2 x 2 stride-1 kernels (Same:
     * padding 1 all round, and 0 before / 1 after) run as implicit GEMMs on the padded image.
     */
    @Test
    void gradientsEqualDl4jOverSeveralCacheGroupsAndByImplicitGemm() {
        Object[][] cases = {
                {new int[]{3, 3}, new int[]{1, 1}, new int[]{0, 0}, ConvolutionMode.Same, Activation.RELU, 8},
                {new int[]{2, 2}, new int[]{1, 1}, new int[]{0, 0}, ConvolutionMode.Same, Activation.IDENTITY, 6},
                {new int[]{3, 3}, new int[]{2, 2}, new int[]{1, 1}, ConvolutionMode.Truncate, Activation.IDENTITY, 12},
                {new int[]{1, 9}, new int[]{1, 1}, new int[]{0, 0}, ConvolutionMode.Truncate, Activation.RELU, 5},
        };
        gradientsAndOneStepMatch(cases, 21, 7, 40, 40);
        gradientsAndOneStepMatch(cases, 31, 13, 40, 40);
    }

    /** Score, dW, db, the epsilon passed back (via c0's gradient) and one SGD step equal DL4J's to 1e-5. */
    private static void gradientsAndOneStepMatch(Object[][] cases, long seed, int batch, int h, int w0) {
        for (Object[] c : cases) {
            int nOut = (int) c[5];
            MultiLayerNetwork[] p = pair((int[]) c[0], (int[]) c[1], (int[]) c[2], (ConvolutionMode) c[3], (Activation) c[4], nOut, seed++, h, w0);
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, h, w0).subi(0.5);
            INDArray y = Nd4j.rand(DataType.FLOAT, batch, 3);
            p[0].setInput(x);
            p[0].setLabels(y);
            p[0].computeGradientAndScore();
            p[1].setInput(x);
            p[1].setLabels(y);
            p[1].computeGradientAndScore();
            assertEquals(p[0].score(), p[1].score(), 1e-5 * Math.max(1, p[0].score()));
            var gd = p[0].gradient().gradientForVariable();
            var gl = p[1].gradient().gradientForVariable();
            int[] kept = ((LoweredConvolution) p[1].getLayerWiseConfigurations().getConf(1).getLayer()).getKeptPositions();
            INDArray dW = gd.get("1_W").dup('c').reshape('c', nOut, -1);
            INDArray expected = Nd4j.create(DataType.FLOAT, nOut, kept.length);
            for (int i = 0; i < kept.length; i++) {
                expected.getColumn(i).assign(dW.getColumn(kept[i]));
            }
            String where = java.util.Arrays.deepToString(c);
            assertTrue(relDiff(expected, gl.get("1_W")) < 1e-5, "dW " + where + " " + relDiff(expected, gl.get("1_W")));
            assertTrue(relDiff(gd.get("1_b"), gl.get("1_b")) < 1e-5, "db " + where);
            // c0's gradient depends on the epsilon the lowered layer passes back
            assertTrue(relDiff(gd.get("0_W"), gl.get("0_W")) < 1e-5, "eps/c0 W " + where + " " + relDiff(gd.get("0_W"), gl.get("0_W")));
            assertTrue(relDiff(gd.get("2_W"), gl.get("2_W")) < 1e-5, "out W " + where);

            p[0].fit(x, y);
            p[1].fit(x, y);
            INDArray w = p[0].getLayer(1).getParam("W").dup('c').reshape('c', nOut, -1);
            INDArray wk = Nd4j.create(DataType.FLOAT, nOut, kept.length);
            for (int i = 0; i < kept.length; i++) {
                wk.getColumn(i).assign(w.getColumn(kept[i]));
            }
            assertTrue(relDiff(wk, p[1].getLayer(1).getParam("W")) < 1e-5, "after one step " + where);
            assertTrue(relDiff(p[0].getLayer(0).params(), p[1].getLayer(0).params()) < 1e-5);
        }
    }

    @Test
    void continuedTrainingLowersTheLoss() {
        MultiLayerNetwork lowered = pair(new int[]{3, 3}, new int[]{1, 1}, new int[]{0, 0}, ConvolutionMode.Truncate,
                Activation.RELU, 40, 3)[1];
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 12, 11).subi(0.5);
        INDArray y = Nd4j.rand(DataType.FLOAT, 8, 3);
        double before = lowered.score(new org.nd4j.linalg.dataset.DataSet(x, y));
        for (int i = 0; i < 30; i++) {
            lowered.fit(x, y);
        }
        double after = lowered.score(new org.nd4j.linalg.dataset.DataSet(x, y));
        assertTrue(after < 0.8 * before, "loss " + before + " -> " + after);
    }

    @Test
    void saveLoadRoundTripKeepsConfigurationAndOutputs(@TempDir File dir) throws Exception {
        MultiLayerNetwork lowered = pair(new int[]{3, 3}, new int[]{2, 2}, new int[]{1, 1}, ConvolutionMode.Truncate,
                Activation.RELU, 40, 5)[1];
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 12, 11);
        lowered.fit(x, Nd4j.rand(DataType.FLOAT, 2, 3));
        File f = new File(dir, "lowered.zip");
        ModelSerializer.writeModel(lowered, f, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(f, true);
        LoweredConvolution a = (LoweredConvolution) lowered.getLayerWiseConfigurations().getConf(1).getLayer();
        LoweredConvolution b = (LoweredConvolution) back.getLayerWiseConfigurations().getConf(1).getLayer();
        assertEquals(a, b);
        assertTrue(java.util.Arrays.equals(a.getKeptPositions(), b.getKeptPositions()));
        assertEquals(lowered.output(x), back.output(x));
        assertEquals(lowered.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
    }

    @Test
    void badConfigurationIsRefusedNamingTheLayer() {
        ConvolutionLayer dilated = new ConvolutionLayer.Builder(3, 3).dilation(2, 2).name("dil").nIn(2).nOut(3).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoweredConvolution.of(dilated, new int[]{0}));
        assertTrue(e.getMessage().contains("dil") && e.getMessage().contains("dilation"), e.getMessage());
        ConvolutionLayer plain = new ConvolutionLayer.Builder(3, 3).name("plain").nIn(2).nOut(3).build();
        e = assertThrows(IllegalArgumentException.class, () -> LoweredConvolution.of(plain, new int[]{3, 1}));
        assertTrue(e.getMessage().contains("plain") && e.getMessage().contains("sorted"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LoweredConvolution.of(plain, new int[]{18}));
        assertTrue(e.getMessage().contains("[0, 18)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LoweredConvolution.of(plain, new int[0]));
        assertTrue(e.getMessage().contains("at least one"), e.getMessage());
    }
}
