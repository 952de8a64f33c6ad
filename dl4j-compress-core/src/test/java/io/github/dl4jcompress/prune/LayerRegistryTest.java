package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.layers.LoweredConvolution;
import io.github.dl4jcompress.layers.Lowering;
import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.github.dl4jcompress.prune.PruneTestSupport.assertEquivalent;
import static io.github.dl4jcompress.prune.PruneTestSupport.random;
import static io.github.dl4jcompress.prune.PruneTestSupport.zeroConvFilter;
import static io.github.dl4jcompress.prune.PruneTestSupport.zeroDenseUnit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one layer/vertex table: lookup by most specific registered superclass, user registration, lowered layers. */
class LayerRegistryTest {

    /** A user's own dense layer type (DL4J's runtime dense layer does the work). */
    public static class MyDense extends DenseLayer {
        public MyDense() {
        }

        static MyDense of(String name, int nOut) {
            MyDense d = new MyDense();
            d.setLayerName(name);
            d.setNOut(nOut);
            d.setActivationFn(Activation.TANH.getActivationFunction());
            return d;
        }
    }

    @Test
    void theMostSpecificRegisteredSuperclassWins() {
        assertSame(LayerRegistry.entry(DenseLayer.class), LayerRegistry.entry(MyDense.class), "a subclass inherits its parent's entry");
        LayerEntry conv = LayerRegistry.entry(ConvolutionLayer.class);
        assertNotSame(conv, LayerRegistry.entry(Deconvolution2D.class), "DL4J's deconvolution is registered apart");
        assertFalse(LayerRegistry.entry(Deconvolution2D.class).isPrunable());
        assertFalse(LayerRegistry.entry(new Deconvolution2D.Builder(2, 2).nIn(1).nOut(1).build()).hasLayout(new Deconvolution2D.Builder(2, 2).nIn(1).nOut(1).build()));
        Convolution1DLayer c1 = new Convolution1DLayer.Builder(3).nIn(2).nOut(4).build();
        assertTrue(LayerRegistry.entry(c1).hasLayout(c1), "1-D convolutions have groups...");
        assertFalse(LayerRegistry.entry(c1).isPrunable(), "...but the pruner stops at them (as before the registry)");
        assertTrue(LayerRegistry.entry(SubsamplingLayer.class).isPrunable());
        assertFalse(LayerRegistry.entry(org.deeplearning4j.nn.conf.layers.Subsampling1DLayer.class).isPrunable());
    }

    @Test
    void registerValidatesItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> LayerRegistry.register(null, LayerEntry.unsupported()));
        assertThrows(IllegalArgumentException.class, () -> LayerRegistry.register(MyDense.class, null));
    }

    private static MultiLayerNetwork denseNet() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER).updater(new Sgd(0.1)).list()
                .layer(MyDense.of("mine", 6))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void aRegisteredCustomDenseSubclassIsPrunedAndAnUnsupportedOneIsKept() {
        try {
            LayerRegistry.register(MyDense.class, LayerRegistry.entry(DenseLayer.class));
            MultiLayerNetwork net = denseNet();
            zeroDenseUnit(net.getLayer(0), 1, true);
            zeroDenseUnit(net.getLayer(0), 4, true);
            INDArray x = random(5, 4);
            MultiLayerNetwork pruned = StructuredPruner.builder().build().prune(net).network();
            assertInstanceOf(MyDense.class, pruned.getLayerWiseConfigurations().getConf(0).getLayer());
            assertEquals(4, ((DenseLayer) pruned.getLayerWiseConfigurations().getConf(0).getLayer()).getNOut());
            assertEquals(4, pruned.getLayer(1).getParam("W").size(0));
            assertEquivalent(net.output(x), pruned.output(x));
            assertEquals(4, WeightLayout.of("mine", 0, net.getLayerWiseConfigurations().getConf(0).getLayer()).getNIn());

            LayerRegistry.register(MyDense.class, LayerEntry.unsupported());
            MultiLayerNetwork kept = StructuredPruner.builder().build().prune(net).network();
            assertEquals(net.numParams(), kept.numParams(), "an unsupported type stops the pruner");
            assertFalse(WeightLayout.isSupported(net.getLayerWiseConfigurations().getConf(0).getLayer()));
        } finally {
            LayerRegistry.unregister(MyDense.class);
        }
        assertSame(LayerRegistry.entry(DenseLayer.class), LayerRegistry.entry(MyDense.class));
    }

    private static MultiLayerNetwork convNet() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER).updater(new Sgd(0.1)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("c1").nOut(6).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("c2").nOut(5).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(7).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(12, 12, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void aLoweredNetworkIsPrunedExactlyAndCanBePrunedAgain() {
        MultiLayerNetwork net = convNet();
        zeroConvFilter(net.getLayer(0), 2, true);
        zeroConvFilter(net.getLayer(2), 0, true);
        zeroConvFilter(net.getLayer(2), 3, true);
        MultiLayerNetwork lowered = Lowering.lower(net);
        assertInstanceOf(LoweredConvolution.class, lowered.getLayerWiseConfigurations().getConf(0).getLayer());
        INDArray x = random(4, 2, 12, 12);
        INDArray masked = lowered.output(x);

        PruneResult<MultiLayerNetwork> once = StructuredPruner.builder().verifyOn(1e-5, x).build().prune(lowered);
        MultiLayerNetwork pruned = once.network();
        LoweredConvolution c1 = (LoweredConvolution) pruned.getLayerWiseConfigurations().getConf(0).getLayer();
        LoweredConvolution c2 = (LoweredConvolution) pruned.getLayerWiseConfigurations().getConf(2).getLayer();
        assertEquals(5, c1.getNOut());
        assertEquals(3, c2.getNOut());
        assertEquals(5, c2.getNIn());
        assertTrue(c1.isDense() && c2.isDense());
        assertEquals(3 * 3 * 5, pruned.getLayer(2).getParam("W").size(1), "W [nOut, nIn*kH*kW] lost whole channels");
        assertEquivalent(masked, pruned.output(x));

        MultiLayerNetwork prunedOnce = StructuredPruner.builder().build().prune(pruned).network();
        assertEquals(pruned.numParams(), prunedOnce.numParams(), "nothing more is zero: a second prune keeps everything");
        // zero a filter in the pruned, lowered network and prune it again
        org.deeplearning4j.nn.api.Layer l0 = pruned.getLayer(0);
        INDArray w = l0.getParam("W");
        w.getRow(1).assign(0);
        l0.getParam("b").putScalar(1, 0.0);
        INDArray before = pruned.output(x);
        MultiLayerNetwork twice = StructuredPruner.builder().verifyOn(1e-5, x).build().prune(pruned).network();
        assertEquals(4, ((LoweredConvolution) twice.getLayerWiseConfigurations().getConf(0).getLayer()).getNOut());
        assertEquivalent(before, twice.output(x));
    }

    @Test
    void aShapeSparseLoweredConvolutionStopsThePrunerWithAReason() {
        MultiLayerNetwork net = convNet();
        zeroConvFilter(net.getLayer(2), 1, true);
        MultiLayerNetwork sparse = ConvolutionLowering.lower(net, java.util.Map.of("c1", new int[] {0, 1, 2, 4, 5, 9}));
        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(sparse);
        assertEquals(4, ((ConvolutionLayer) r.network().getLayerWiseConfigurations().getConf(2).getLayer()).getNOut(),
                "layers after it are still pruned");
        String reason = r.report().layer("c1").orElseThrow().unsupportedReason();
        assertTrue(reason != null && reason.contains("shape-sparse lowered convolution"), String.valueOf(reason));
    }
}
