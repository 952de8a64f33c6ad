package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.github.dl4jcompress.prune.PruneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** The channel groups reported by {@link ChannelCoupling} are exactly what the pruner removes together. */
class ChannelCouplingTest {

    private static Map<String, List<ChannelGroup>> byFirstLayer(List<ChannelGroup> groups) {
        return groups.stream().collect(Collectors.groupingBy(g -> g.filters().get(0).layer()));
    }

    @Test
    void residualAddCouplesTheChannelsOfBothBranches() {
        ComputationGraph net = GraphPruneTest.residual(true); // c2 and proj meet in the add
        List<ChannelGroup> groups = ChannelCoupling.of(net);
        Map<String, List<ChannelGroup>> first = byFirstLayer(groups);

        assertEquals(5, first.get("stem").size());
        assertTrue(first.get("stem").stream().noneMatch(ChannelGroup::coupled));
        assertEquals(8, first.get("c1").size());
        for (int c = 0; c < 8; c++) {
            FilterRef c2 = new FilterRef("c2", c);
            ChannelGroup g = groups.stream().filter(x -> x.filters().contains(c2)).findFirst().orElseThrow();
            assertEquals(java.util.Set.of(c2, new FilterRef("proj", c)), java.util.Set.copyOf(g.filters()));
            assertTrue(g.prunable());
        }
        assertEquals(8, groups.stream().filter(ChannelGroup::coupled).count());
        List<ChannelGroup> outputs = first.get("out");
        assertEquals(3, outputs.size());
        assertTrue(outputs.stream().noneMatch(ChannelGroup::prunable), "network outputs are never prunable");
    }

    @Test
    void zeroingAWholeGroupRemovesItAndZeroingPartOfItRemovesNothing() {
        ComputationGraph net = GraphPruneTest.residual(true);
        ChannelGroup whole = ChannelCoupling.of(net).stream()
                .filter(g -> g.filters().contains(new FilterRef("c2", 6))).findFirst().orElseThrow();
        for (FilterRef f : whole.filters()) {
            zeroConvFilter(net.getLayer(f.layer()), f.index(), true);
        }
        zeroConvFilter(net.getLayer("proj"), 1, true); // half of c2/proj group 1: must stay
        INDArray x = random(2, 2, 8, 8);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, r.network().outputSingle(false, x));
        assertEquals(7, ((ConvolutionLayer) r.network().getLayer("c2").conf().getLayer()).getNOut());
        assertEquals(7, ((ConvolutionLayer) r.network().getLayer("proj").conf().getLayer()).getNOut());
    }

    @Test
    void chainHasOneGroupPerFilterAndPinsTheOutputLayer() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(6, 6, 1))
                .build());
        net.init();

        List<ChannelGroup> groups = ChannelCoupling.of(net);

        assertEquals(4 + 6 + 2, groups.size());
        assertTrue(groups.stream().noneMatch(ChannelGroup::coupled));
        assertEquals(10, groups.stream().filter(ChannelGroup::prunable).count());
        assertEquals(new FilterRef("1", 5), groups.get(9).filters().get(0));
    }

    @Test
    void uninitialisedNetworkIsRefused() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder().nIn(2).nOut(2).build()).build());
        assertThrows(IllegalStateException.class, () -> ChannelCoupling.of(net));
        assertThrows(IllegalArgumentException.class, () -> ChannelCoupling.of((MultiLayerNetwork) null));
    }
}
