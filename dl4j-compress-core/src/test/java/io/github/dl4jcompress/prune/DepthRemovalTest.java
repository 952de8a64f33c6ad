package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import static io.github.dl4jcompress.prune.PruneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Depth removal: a residual branch whose output is the constant 0 is cut away and its add vertex passes
 * the shortcut through; a branch with a non-zero constant output is kept. Outputs stay equal.
 */
class DepthRemovalTest {

    @TempDir
    Path dir;

    /**
     * stem(6) -> [b1c1 relu -> b1bn -> b1c2 identity] + stem -> relu1
     * -> relu1 + [b2c1 relu -> b2c2 identity] -> gap -> out.
     */
    static ComputationGraph twoBlocks() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("in")
                .addLayer("stem", conv(Activation.RELU), "in")
                .addLayer("b1c1", conv(Activation.RELU), "stem")
                .addLayer("b1bn", new BatchNormalization.Builder().build(), "b1c1")
                .addLayer("b1c2", conv(Activation.IDENTITY), "b1bn")
                .addVertex("add1", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b1c2", "stem")
                .addLayer("relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "add1")
                .addLayer("b2c1", conv(Activation.RELU), "relu1")
                .addLayer("b2c2", conv(Activation.IDENTITY), "b2c1")
                .addVertex("add2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "relu1", "b2c2")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out").setInputTypes(InputType.convolutional(7, 7, 2)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        randomiseBatchNorm(net.getLayer("b1bn"), 11);
        return net;
    }

    private static ConvolutionLayer conv(Activation a) {
        return new ConvolutionLayer.Builder(3, 3).nOut(6).activation(a).build();
    }

    /** DEPTH group lasso outcome: every weight of the layer zero; the bias is set separately. */
    private static void zeroWeights(ComputationGraph net, String layer, double bias) {
        net.getLayer(layer).getParam("W").assign(0.0);
        net.getLayer(layer).getParam("b").assign(bias);
    }

    private static long params(ComputationGraph net, String... layers) {
        long n = 0;
        for (String l : layers) {
            n += net.getLayer(l).numParams();
        }
        return n;
    }

    @Test
    void zeroOutputBranchIsRemovedAndAddPassesShortcutThrough() throws Exception {
        ComputationGraph net = twoBlocks();
        zeroWeights(net, "b1c1", 0.3); // its constant output only feeds b1c2's zero weights
        zeroWeights(net, "b1c2", 0.0); // branch output: exactly 0
        INDArray x = random(3, 2, 7, 7);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().verifyOn(1e-10, x).build().prune(net);
        ComputationGraph p = r.network();

        assertEquals(List.of("b1c1", "b1bn", "b1c2"), r.report().removedNodes());
        assertNull(p.getVertex("b1c1"));
        assertNull(p.getVertex("b1c2"));
        assertNotNull(p.getLayer("stem"), "the shortcut source is read by the add too and must stay");
        assertEquals(List.of("stem"), p.getConfiguration().getVertexInputs().get("add1"));
        assertEquals(List.of("relu1", "b2c2"), p.getConfiguration().getVertexInputs().get("add2"), "block 2 untouched");
        assertEquals(net.numParams() - params(net, "b1c1", "b1bn", "b1c2"), p.numParams());
        assertEquivalent(expected, p.outputSingle(false, x));
        assertTrue(r.report().toString().contains("removed (depth)"));
    }

    @Test
    void removedBranchSurvivesSaveLoadAndTraining() throws Exception {
        ComputationGraph net = twoBlocks();
        zeroWeights(net, "b2c1", 0.0);
        zeroWeights(net, "b2c2", 0.0); // branch in the second input position of add2
        ComputationGraph p = StructuredPruner.builder().build().prune(net).network();
        assertEquals(List.of("relu1"), p.getConfiguration().getVertexInputs().get("add2"));

        File f = dir.resolve("pruned.zip").toFile();
        ModelSerializer.writeModel(p, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        INDArray x = random(2, 2, 7, 7);
        assertEquivalent(p.outputSingle(false, x), restored.outputSingle(false, x));

        INDArray labels = Nd4j.eye(3).castTo(DataType.DOUBLE).getRows(0, 1);
        double before = restored.score(new MultiDataSet(x, labels));
        for (int i = 0; i < 10; i++) {
            restored.fit(new MultiDataSet(new INDArray[] {x}, new INDArray[] {labels}));
        }
        assertTrue(restored.score(new MultiDataSet(x, labels)) < before, "a graph with a one-input add still trains");
    }

    @Test
    void branchWithNonZeroConstantOutputIsKept() {
        ComputationGraph net = twoBlocks();
        zeroWeights(net, "b1c2", 0.0);
        net.getLayer("b1c2").getParam("b").putScalar(4, 0.5); // add1 = stem + c, not an identity
        INDArray x = random(3, 2, 7, 7);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertTrue(r.report().removedNodes().isEmpty());
        assertNotNull(r.network().getLayer("b1c2"));
        assertTrue(r.report().notes().stream().anyMatch(n -> n.contains("constant but not 0")), r.report().notes().toString());
        assertEquivalent(expected, r.network().outputSingle(false, x));
    }

    @Test
    void branchWhoseInnerLayerIsZeroButLastLayerIsNotIsKept() {
        ComputationGraph net = twoBlocks();
        // b1c1 outputs 0, b1bn maps it to beta - gamma*mean/std != 0, b1c2 (non-zero weights) turns that into
        // a non-zero map: the branch is not 0 and must stay (b1c1 itself may shrink to one filter).
        zeroWeights(net, "b1c1", 0.0);
        INDArray x = random(3, 2, 7, 7);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertTrue(r.report().removedNodes().isEmpty());
        assertEquivalent(expected, r.network().outputSingle(false, x));
    }
}
