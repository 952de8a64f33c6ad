package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
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
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java ReLU activation layer against DL4J's: forward, backward, lowering and restoring, training, serialization. */
class LoweredActivationTest {

    private static Layer runtime(org.deeplearning4j.nn.conf.layers.Layer layer, InputType type) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(layer).setInputType(type).build());
        net.init();
        return net.getLayer(0);
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().name("act").activation(Activation.RELU).build();
    }

    /** Random values with a quarter set to exactly 0 (DL4J's derivative there is 0). */
    private static INDArray input(long... shape) {
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        return x.muli(Nd4j.rand(DataType.FLOAT, shape).gt(0.25).castTo(DataType.FLOAT));
    }

    @Test
    void forwardAndBackwardEqualDl4jExactlyOnImagesAndVectorsWithZeros() {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        Nd4j.getRandom().setSeed(3);
        for (InputType type : new InputType[]{InputType.convolutional(5, 7, 3), InputType.feedForward(11)}) {
            Layer dl4j = runtime(relu(), type);
            Layer ours = runtime(LoweredActivation.of(relu()), type);
            assertSame(LoweredActivationLayer.class, ours.getClass());
            long[] shape = type.getType() == InputType.Type.CNN ? new long[]{4, 3, 5, 7} : new long[]{6, 11};
            for (boolean forwardFirst : new boolean[]{true, false}) {
                INDArray x = input(shape);
                assertTrue(x.cond(Conditions.equals(0)).any(), "the input has exact zeros");
                INDArray xCopy = x.dup();
                dl4j.setInput(x.dup(), mgr);
                ours.setInput(x, mgr);
                String where = type + " forward first " + forwardFirst;
                if (forwardFirst) {
                    assertEquals(dl4j.activate(true, mgr), ours.activate(true, mgr), where);
                }
                INDArray eps = Nd4j.randn(DataType.FLOAT, shape);
                Pair<Gradient, INDArray> want = dl4j.backpropGradient(eps.dup(), mgr);
                Pair<Gradient, INDArray> got = ours.backpropGradient(eps, mgr);
                assertEquals(want.getSecond(), got.getSecond(), where + " dx");
                assertTrue(got.getFirst().gradientForVariable().isEmpty());
                assertEquals(xCopy, x, "the input is not modified");
                assertEquals(dl4j.activate(false, mgr), ours.activate(false, mgr), where + " inference");
            }
        }
    }

    private static MultiLayerConfiguration net(boolean lowered) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Nesterovs(0.05, 0.9))
                .dataType(DataType.FLOAT).convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build())
                .layer(relu())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.IDENTITY).build())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(6, 6, 2)).build();
        return lowered ? Lowering.lower(conf) : conf;
    }

    @Test
    void loweringSwapsOnlyPlainReluAndTrainingEqualsDl4jAndRestores() {
        MultiLayerConfiguration lc = net(true);
        assertSame(LoweredActivation.class, lc.getConf(1).getLayer().getClass());
        assertSame(ActivationLayer.class, lc.getConf(3).getLayer().getClass(), "tanh stays DL4J's");
        MultiLayerNetwork dl4j = new MultiLayerNetwork(net(false));
        dl4j.init();
        MultiLayerNetwork ours = Lowering.lower(dl4j);
        assertSame(LoweredActivationLayer.class, ours.getLayer(1).getClass());
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 2, 6, 6);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 5, 3);
        for (int i = 0; i < 5; i++) {
            y.putScalar(i, i % 3, 1f);
        }
        for (int it = 0; it < 4; it++) {
            dl4j.fit(x, y);
            ours.fit(x, y);
        }
        for (int i : new int[]{0, 2, 4}) {
            for (String key : dl4j.getLayer(i).paramTable().keySet()) {
                INDArray want = dl4j.getLayer(i).getParam(key).dup('c').reshape(-1);
                INDArray got = ours.getLayer(i).getParam(key).dup('c').reshape(-1);
                double d = want.sub(got).amaxNumber().doubleValue() / Math.max(1e-2, want.amaxNumber().doubleValue());
                assertTrue(d < 1e-5, "layer " + i + " " + key + ": " + d);
            }
        }
        INDArray want = dl4j.output(x);
        assertTrue(want.sub(ours.output(x)).amaxNumber().doubleValue() < 1e-5);
        assertTrue(want.sub(FusedInference.of(ours).output(x)).amaxNumber().doubleValue() < 1e-5);
        MultiLayerNetwork back = Lowering.restore(ours);
        assertSame(ActivationLayer.class, back.getLayerWiseConfigurations().getConf(1).getLayer().getClass());
        assertEquals(dl4j.getLayerWiseConfigurations().getConf(1).getLayer(), back.getLayerWiseConfigurations().getConf(1).getLayer());
    }

    @Test
    void jsonAndModelSerializerRoundTripsKeepTheLayerAndTrainingContinuesIdentically(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(net(true));
        net.init();
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertSame(LoweredActivation.class, back.getConf(1).getLayer().getClass());
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 2, 6, 6);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
        y.getColumn(1).assign(1f);
        net.fit(x, y);
        File f = new File(dir, "net.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork loaded = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertSame(LoweredActivationLayer.class, loaded.getLayer(1).getClass());
        net.fit(x, y);
        loaded.fit(x, y);
        assertEquals(net.params(), loaded.params());
    }
}
