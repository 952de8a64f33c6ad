package io.github.dl4jcompress.cli.models;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelsTest {

    private static DataSet batch(long... featureShape) {
        Nd4j.getRandom().setSeed(3);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, featureShape[0], 10);
        for (int i = 0; i < featureShape[0]; i++) {
            labels.putScalar(i, i % 10, 1f);
        }
        return new DataSet(Nd4j.rand(DataType.FLOAT, featureShape), labels);
    }

    @Test
    void resNet20HasNineBlocksAndLosesAZeroedIdentityBranchToThePruner() {
        ComputationGraph net = new ComputationGraph(ResNet20.configuration(1, 4, 0.01));
        net.init();
        assertEquals(9, net.getConfiguration().getVertices().keySet().stream().filter(v -> v.endsWith("_add")).count());
        net.fit(batch(8, 1, 28, 28));
        // the residual branch of s1b2 outputs bn2(conv2(..)); zero conv2's weights and bn2's gamma and beta -> constant 0
        net.getLayer("s1b2_conv2").getParam("W").assign(0);
        net.getLayer("s1b2_bn2").getParam("gamma").assign(0);
        net.getLayer("s1b2_bn2").getParam("beta").assign(0);
        INDArray x = batch(4, 1, 28, 28).getFeatures();
        INDArray before = net.outputSingle(x);
        long macsBefore = new CostModel().of(net, ResNet20.INPUT).getMacs();
        PruneResult<ComputationGraph> pruned = StructuredPruner.builder().build().prune(net);
        assertFalse(pruned.network().getConfiguration().getVertices().containsKey("s1b2_conv1"));
        assertTrue(new CostModel().of(pruned.network(), ResNet20.INPUT).getMacs() < macsBefore);
        assertArrayEquals(before.dup().data().asFloat(), pruned.network().outputSingle(x).dup().data().asFloat(), 1e-4f);
    }

    @Test
    void vggHasSixConvLayersAndTrains() {
        MultiLayerNetwork net = new MultiLayerNetwork(SmallVgg.configuration(1, 4, 0.01));
        net.init();
        assertEquals(6, java.util.Arrays.stream(net.getLayers())
                .filter(l -> l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer).count());
        DataSet d = batch(8, 784);
        net.fit(d);
        assertEquals(8, net.output(d.getFeatures()).rows());
    }
}
