package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.ConvolutionMode;
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
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.io.IOException;

import static io.github.dl4jcompress.prune.PruneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Updater state is sliced with the parameters: training continues as if nothing was removed; save/load works. */
class ContinuedTrainingTest {

    private static DataSet denseData() {
        Nd4j.getRandom().setSeed(99);
        return new DataSet(random(8, 4), random(8, 2));
    }

    /** Adam m (chunk 0) or v (chunk 1) of a single-block network, viewed in parameter shapes through a probe copy. */
    private static MultiLayerNetwork stateAsParams(MultiLayerNetwork net, int chunk) {
        INDArray state = net.getUpdater().getStateViewArray();
        long n = net.numParams();
        assertEquals(2 * n, state.length(), "expected one Adam block");
        MultiLayerNetwork probe = new MultiLayerNetwork(net.getLayerWiseConfigurations().clone());
        probe.init();
        probe.setParams(state.reshape(state.length()).get(NDArrayIndex.interval(chunk * n, (chunk + 1) * n)).reshape(1, n));
        return probe;
    }

    private static INDArray withoutColumn(INDArray m, int col) {
        int[] keep = java.util.stream.IntStream.range(0, (int) m.size(1)).filter(i -> i != col).toArray();
        return m.getColumns(keep);
    }

    private static INDArray withoutRow(INDArray m, int row) {
        int[] keep = java.util.stream.IntStream.range(0, (int) m.size(0)).filter(i -> i != row).toArray();
        return m.getRows(keep);
    }

    @Test
    void adamStateIsSlicedAndTrainingContinuesIdentically() {
        MultiLayerNetwork net = BiasFoldingTest.dense(Activation.RELU);
        DataSet ds = denseData();
        for (int i = 0; i < 3; i++) {
            net.fit(ds);
        }
        zeroDenseUnit(net.getLayer(0), 2, true);

        MultiLayerNetwork pruned = StructuredPruner.builder().build().prune(net).network();

        assertEquals(net.getIterationCount(), pruned.getIterationCount());
        for (int chunk = 0; chunk < 2; chunk++) {
            MultiLayerNetwork oldState = stateAsParams(net, chunk);
            MultiLayerNetwork newState = stateAsParams(pruned, chunk);
            assertEquals(withoutColumn(oldState.getLayer(0).getParam("W"), 2), newState.getLayer(0).getParam("W"));
            assertEquals(withoutRow(oldState.getLayer(1).getParam("W"), 2), newState.getLayer(1).getParam("W"));
            assertEquals(oldState.getLayer(2).getParam("W"), newState.getLayer(2).getParam("W"));
            assertTrue(oldState.getLayer(1).getParam("W").amaxNumber().doubleValue() > 0, "state must be non-trivial");
        }

        // one more Adam step on both: the kept parameters must move identically
        MultiLayerNetwork reference = net.clone();
        reference.fit(ds);
        pruned.fit(ds);
        assertEquals(withoutColumn(reference.getLayer(0).getParam("W"), 2).sub(pruned.getLayer(0).getParam("W"))
                .amaxNumber().doubleValue(), 0.0, 1e-10);
        assertEquals(withoutRow(reference.getLayer(1).getParam("W"), 2).sub(pruned.getLayer(1).getParam("W"))
                .amaxNumber().doubleValue(), 0.0, 1e-10);
        assertEquals(reference.getLayer(2).getParam("b").sub(pruned.getLayer(2).getParam("b"))
                .amaxNumber().doubleValue(), 0.0, 1e-10);
        for (int i = 0; i < 3; i++) {
            pruned.fit(ds);
        }
        assertTrue(Double.isFinite(pruned.score()));
    }

    @Test
    void prunedCnnTrainsFurther() {
        MultiLayerNetwork net = MultiLayerPruneTest.cnn(false, ConvolutionMode.Truncate);
        DataSet ds = new DataSet(random(6, 2, 10, 10), Nd4j.eye(3).getRows(0, 1, 2, 0, 1, 2).castTo(DataType.DOUBLE));
        net.fit(ds);
        zeroConvFilter(net.getLayer(0), 0, true);
        zeroConvFilter(net.getLayer(4), 3, true);
        MultiLayerNetwork pruned = StructuredPruner.builder().build().prune(net).network();
        double first = Double.NaN;
        for (int i = 0; i < 4; i++) {
            pruned.fit(ds);
            if (i == 0) {
                first = pruned.score();
            }
        }
        assertTrue(Double.isFinite(first));
        assertTrue(Double.isFinite(pruned.score()));
    }

    @Test
    void prunedGraphTrainsFurther() {
        ComputationGraph net = GraphPruneTest.residual(true);
        DataSet ds = new DataSet(random(4, 2, 8, 8), Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.DOUBLE));
        net.fit(ds);
        zeroConvFilter(net.getLayer("c1"), 1, true);
        zeroConvFilter(net.getLayer("c2"), 0, true);
        zeroConvFilter(net.getLayer("proj"), 0, true);
        ComputationGraph pruned = StructuredPruner.builder().build().prune(net).network();
        assertEquals(net.getUpdater().getStateViewArray().length() - pruned.getUpdater().getStateViewArray().length(),
                2 * (net.numParams() - pruned.numParams() - bnStatsRemoved()));
        for (int i = 0; i < 3; i++) {
            pruned.fit(ds);
        }
        assertTrue(Double.isFinite(pruned.score()));
    }

    /** BN mean and log-std have no Adam state: one removed add channel removes 2 of them. */
    private static long bnStatsRemoved() {
        return 2;
    }

    @Test
    void savedAndRestoredMultiLayerNetworkIsIdentical(@TempDir File dir) throws IOException {
        MultiLayerNetwork net = MultiLayerPruneTest.cnn(true, ConvolutionMode.Truncate);
        net.fit(new DataSet(random(3, 100), Nd4j.eye(3).castTo(DataType.DOUBLE)));
        zeroConvFilter(net.getLayer(0), 5, true);
        zeroConvFilter(net.getLayer(4), 1, true);
        MultiLayerNetwork pruned = StructuredPruner.builder().build().prune(net).network();
        File f = new File(dir, "mln.zip");
        ModelSerializer.writeModel(pruned, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        INDArray x = random(4, 100);
        assertEquals(pruned.params(), restored.params());
        assertEquals(pruned.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquivalent(pruned.output(x, false), restored.output(x, false));
        assertEquivalent(net.output(x, false), restored.output(x, false));
    }

    @Test
    void savedAndRestoredComputationGraphIsIdentical(@TempDir File dir) throws IOException {
        ComputationGraph net = GraphPruneTest.residual(false);
        zeroConvFilter(net.getLayer("stem"), 1, true);
        zeroConvFilter(net.getLayer("c2"), 1, true);
        ComputationGraph pruned = StructuredPruner.builder().build().prune(net).network();
        File f = new File(dir, "cg.zip");
        ModelSerializer.writeModel(pruned, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        INDArray x = random(3, 2, 8, 8);
        assertEquals(pruned.params(), restored.params());
        assertEquivalent(net.outputSingle(false, x), restored.outputSingle(false, x));
    }
}
