package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.layers.LoweredConvolution;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pruning with convolution lowering: equivalence, save/load, continued training, timing decisions reported. */
class LoweringPruneTest {

    private static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / Math.max(1.0, a.amaxNumber().doubleValue());
    }

    /** Zeroes kernel position (c, y, x) of a conv layer across all filters. */
    private static void zeroPosition(org.deeplearning4j.nn.api.Layer conv, int c, int y, int x) {
        INDArray w = conv.getParam("W");
        for (int f = 0; f < w.size(0); f++) {
            w.putScalar(new long[]{f, c, y, x}, 0.0);
        }
    }

    private static MultiLayerNetwork lenetLike() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Nesterovs(0.01, 0.9))
                .dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("c1").nOut(8).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("p1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("c2").nOut(12).padding(1, 1).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(12, 12, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static DataSet data(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 2, 12, 12);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 4);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 4, 1.0);
        }
        return new DataSet(x, y);
    }

    @Test
    void lowersShapeSparseConvolutionsOfAMultiLayerNetworkExactly(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = lenetLike();
        DataSet d = data(1);
        net.fit(d);
        net.fit(d);
        for (int f : new int[]{1, 4, 6}) {
            PruneTestSupport.zeroConvFilter(net.getLayer(0), f, true);
        }
        // conv2: channel 0 and the corner positions of every channel are zero in all filters
        for (int c = 0; c < 8; c++) {
            zeroPosition(net.getLayer(2), c, 0, 0);
            zeroPosition(net.getLayer(2), c, 2, 2);
        }
        INDArray before = net.params().dup();
        INDArray x = d.getFeatures();
        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().verifyOn(1e-5, x)
                .lowerConvolutions(LoweringMode.ALWAYS).build().prune(net);
        assertEquals(before, net.params(), "original untouched");
        MultiLayerNetwork p = r.network();
        assertInstanceOf(LoweredConvolution.class, p.getLayerWiseConfigurations().getConf(0).getLayer());
        LoweredConvolution c2 = (LoweredConvolution) p.getLayerWiseConfigurations().getConf(2).getLayer();
        assertEquals(5 * 9 - 2 * 5, c2.getKeptPositions().length, "5 kept channels x 9 positions minus 2 corners each");
        assertEquals(5, c2.getNIn());
        assertEquals(2, r.report().lowering().size());
        assertTrue(r.report().lowering().stream().allMatch(LoweringDecision::lowered));
        assertTrue(relDiff(net.output(x), p.output(x)) < 1e-5);
        INDArray other = Nd4j.rand(DataType.FLOAT, 3, 2, 12, 12);
        assertTrue(relDiff(net.output(other), p.output(other)) < 1e-5);

        File f = new File(dir, "p.zip");
        ModelSerializer.writeModel(p, f, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(p.output(x), back.output(x));

        // updater state carried over: one more step gives the kept weights what the un-lowered pruned network gives them
        MultiLayerNetwork plain = StructuredPruner.builder().build().prune(net).network();
        plain.fit(d);
        back.fit(d);
        int[] kept = c2.getKeptPositions();
        INDArray w = plain.getLayer(2).getParam("W").dup('c').reshape('c', 12, -1);
        INDArray wl = back.getLayer(2).getParam("W");
        for (int i = 0; i < kept.length; i++) {
            assertTrue(relDiff(w.getColumn(kept[i]), wl.getColumn(i)) < 1e-5, "kept position " + kept[i]);
        }
        assertTrue(relDiff(plain.getLayer(3).params(), back.getLayer(3).params()) < 1e-5);
        double s0 = back.score(d);
        for (int i = 0; i < 10; i++) {
            back.fit(d);
        }
        assertTrue(back.score(d) < s0, "continued training lowers the loss");
    }

    @Test
    void timedLoweringInAGraphReportsBothTimesAndStaysExact() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Nesterovs(0.01, 0.9))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "in")
                .addLayer("b", new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same).activation(Activation.TANH).build(), "a")
                .addLayer("c", new ConvolutionLayer.Builder(1, 1).nOut(6).activation(Activation.IDENTITY).build(), "a")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b", "c")
                .addLayer("gp", new GlobalPoolingLayer.Builder().build(), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "gp")
                .setOutputs("out").setInputTypes(InputType.convolutional(9, 9, 2)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        PruneTestSupport.zeroConvFilter(g.getLayer("a"), 2, true);
        for (int c = 0; c < 6; c++) {
            zeroPosition(g.getLayer("b"), c, 1, 0);
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 2, 9, 9);
        PruneResult<ComputationGraph> r = StructuredPruner.builder().verifyOn(1e-5, x)
                .lowerConvolutions(LoweringMode.SHAPES_IF_FASTER).build().prune(g);
        assertEquals(1, r.report().lowering().size(), "only b has an all-zero kernel position");
        LoweringDecision d = r.report().lowering().get(0);
        assertEquals("b", d.layer());
        assertEquals(5 * 9 - 5, d.keptPositions());
        assertEquals(5 * 9, d.totalPositions());
        assertTrue(d.convolutionMicros() > 0 && d.loweredMicros() > 0);
        boolean isLowered = r.network().getLayer("b").conf().getLayer() instanceof LoweredConvolution;
        assertEquals(d.lowered(), isLowered);
        assertEquals(d.lowered(), d.loweredMicros() < d.convolutionMicros());
        assertFalse(r.network().getLayer("a").conf().getLayer() instanceof LoweredConvolution);
        assertTrue(relDiff(g.outputSingle(x), r.network().outputSingle(x)) < 1e-5);

        ComputationGraph plain = StructuredPruner.builder().build().prune(g).network();
        ComputationGraph forced = ConvolutionLowering.lower(plain, java.util.Map.of("b",
                ConvolutionLowering.keptPositions(plain.getLayer("b").getParam("W"), 0.0)));
        assertInstanceOf(LoweredConvolution.class, forced.getLayer("b").conf().getLayer());
        assertTrue(relDiff(g.outputSingle(x), forced.outputSingle(x)) < 1e-5);
    }

    @Test
    void timedLoweringWithoutInputsIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> StructuredPruner.builder().lowerConvolutions(LoweringMode.IF_FASTER).build());
        assertTrue(e.getMessage().contains("timing inputs"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> ConvolutionLowering.lower(lenetLike(), java.util.Map.of("nope", new int[]{0})));
        assertTrue(e2.getMessage().contains("nope"), e2.getMessage());
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> ConvolutionLowering.lower(lenetLike(), java.util.Map.of("fc", new int[]{0})));
        assertTrue(e3.getMessage().contains("fc") && e3.getMessage().contains("ConvolutionLayer"), e3.getMessage());
    }
}
