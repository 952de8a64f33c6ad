package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.github.dl4jcompress.prune.PruneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** The original is never modified, bad input is rejected, unsupported layers are reported. */
class PrunerSafetyTest {

    @Test
    void originalUnchangedAfterSuccessfulPrune() {
        MultiLayerNetwork net = MultiLayerPruneTest.cnn(false, ConvolutionMode.Truncate);
        net.fit(new DataSet(random(4, 2, 10, 10), Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.DOUBLE)));
        zeroConvFilter(net.getLayer(0), 2, true);
        INDArray params = paramsCopy(net);
        INDArray state = net.getUpdater().getStateViewArray().dup();
        String json = net.getLayerWiseConfigurations().toJson();

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertTrue(r.network().numParams() < net.numParams());
        assertEquals(params, net.params());
        assertEquals(state, net.getUpdater().getStateViewArray());
        assertEquals(json, net.getLayerWiseConfigurations().toJson());
    }

    @Test
    void originalGraphUnchangedAfterSuccessfulPrune() {
        ComputationGraph net = GraphPruneTest.residual(true);
        zeroConvFilter(net.getLayer("c1"), 2, true);
        INDArray params = paramsCopy(net);
        String json = net.getConfiguration().toJson();

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertTrue(r.network().numParams() < net.numParams());
        assertEquals(params, net.params());
        assertEquals(json, net.getConfiguration().toJson());
    }

    /** The safety net under every zeroing: a layer whose filters (or dense units) are all zero keeps one, never none. */
    @Test
    void aLayerWhoseEveryFilterIsZeroKeepsOneAndTheOutputsStayEqual() {
        MultiLayerNetwork net = MultiLayerPruneTest.cnn(false, ConvolutionMode.Truncate);
        for (int f = 0; f < 8; f++) {
            zeroConvFilter(net.getLayer(4), f, true);
        }
        for (int u = 0; u < 10; u++) {
            zeroDenseUnit(net.getLayer(6), u, true);
        }
        INDArray x = random(4, 2, 10, 10);
        INDArray expected = net.output(x);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().threshold(0).verifyOn(1e-9, x).build().prune(net);

        MultiLayerNetwork pruned = r.network();
        assertEquals(1, pruned.getLayer(4).getParam("W").size(0), "conv2 keeps one filter");
        assertEquals(1, pruned.getLayer(6).getParam("W").size(1), "dense keeps one unit");
        assertEquals(1, pruned.getLayer(7).getParam("W").size(0), "out reads one input");
        assertTrue(r.report().notes().stream().anyMatch(n -> n.contains("every channel was removable")), r.report().notes().toString());
        assertEquivalent(expected, pruned.output(x));
    }

    @Test
    void failedPruneLeavesOriginalUnchanged() {
        MultiLayerNetwork net = BiasFoldingTest.dense(Activation.RELU);
        INDArray x = random(6, 4);
        INDArray params = paramsCopy(net);
        String json = net.getLayerWiseConfigurations().toJson();
        INDArray before = net.output(x, false);

        StructuredPruner tooAggressive = StructuredPruner.builder().threshold(10.0).verifyOn(1e-6, x).build();
        PruningException e = assertThrows(PruningException.class, () -> tooAggressive.prune(net));

        assertTrue(e.getMessage().contains("differs"), e.getMessage());
        assertEquals(params, net.params());
        assertEquals(json, net.getLayerWiseConfigurations().toJson());
        assertEquals(before, net.output(x, false));
    }

    @Test
    void exactPruneVerifiesAgainstOriginal() {
        MultiLayerNetwork net = BiasFoldingTest.dense(Activation.TANH);
        zeroDenseUnit(net.getLayer(1), 4, true);
        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().verifyOn(1e-9, random(6, 4)).build().prune(net);
        assertEquals(4, r.report().layer("d2").orElseThrow().keptOutputs());
    }

    @Test
    void rejectsNegativeAndNaNThreshold() {
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> StructuredPruner.builder().threshold(-0.5));
        assertTrue(neg.getMessage().contains("-0.5"), neg.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> StructuredPruner.builder().threshold(Double.NaN));
        assertTrue(nan.getMessage().contains("NaN"), nan.getMessage());
    }

    @Test
    void rejectsUninitialisedNetwork() {
        MultiLayerNetwork net = new MultiLayerNetwork(BiasFoldingTest.dense(Activation.RELU).getLayerWiseConfigurations().clone());
        assertThrows(IllegalStateException.class, () -> StructuredPruner.builder().build().prune(net));
    }

    @Test
    void unsupportedLayerIsNamedAndKeepsItsNeighbours() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.RELU).name("d1").build())
                .layer(new ElementWiseMultiplicationLayer.Builder().nIn(6).nOut(6).activation(Activation.IDENTITY).name("ewm").build())
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.RELU).name("d2").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(5).nOut(2).activation(Activation.IDENTITY).name("out").build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        zeroDenseUnit(net.getLayer(0), 2, true); // feeds the unknown layer: must stay
        zeroDenseUnit(net.getLayer(2), 1, true); // after it: removable
        INDArray x = random(6, 4);
        INDArray expected = net.output(x, false);

        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, r.network().output(x, false));
        assertEquals(java.util.List.of("ewm"), r.report().unsupportedLayers());
        assertEquals(6, r.report().layer("d1").orElseThrow().keptOutputs());
        assertEquals(4, r.report().layer("d2").orElseThrow().keptOutputs());
        assertEquals(6, ((DenseLayer) r.network().getLayer(2).conf().getLayer()).getNIn());
        assertTrue(r.report().toString().contains("ewm"));
    }
}
