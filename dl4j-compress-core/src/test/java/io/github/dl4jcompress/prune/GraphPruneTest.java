package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PoolHelperVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static io.github.dl4jcompress.prune.PruneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Pruning ComputationGraphs: residual add (identity and 1x1 projection shortcut) and concat. */
class GraphPruneTest {

    private static ComputationGraphConfiguration.GraphBuilder base() {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new Adam(1e-2))
                .weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in");
    }

    private static ConvolutionLayer conv(int k, int nOut, Activation a) {
        return new ConvolutionLayer.Builder(k, k).nOut(nOut).activation(a).build();
    }

    private static OutputLayer out() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build();
    }

    /** stem(8) -> c1(8) -> c2(8); add(c2, stem or proj(stem)) -> bn -> global avg pool -> out. */
    static ComputationGraph residual(boolean projection) {
        ComputationGraphConfiguration.GraphBuilder b = base()
                .addLayer("stem", conv(3, projection ? 5 : 8, Activation.RELU), "in")
                .addLayer("c1", conv(3, 8, Activation.RELU), "stem")
                .addLayer("c2", conv(3, 8, Activation.IDENTITY), "c1");
        if (projection) {
            b.addLayer("proj", conv(1, 8, Activation.IDENTITY), "stem")
                    .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "c2", "proj");
        } else {
            b.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "c2", "stem");
        }
        ComputationGraph net = new ComputationGraph(b
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "add")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn")
                .addLayer("out", out(), "gap")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(8, 8, 2))
                .build());
        net.init();
        return net;
    }

    @Test
    void residualAddRemovesChannelOnlyWhenEveryBranchDropsIt() {
        ComputationGraph net = residual(false);
        // channel 3: zero in both branches of the add -> removable everywhere
        zeroConvFilter(net.getLayer("stem"), 3, true);
        zeroConvFilter(net.getLayer("c2"), 3, true);
        // channel 5: zero only in c2 -> stem still feeds the add -> must be kept
        zeroConvFilter(net.getLayer("c2"), 5, true);
        // c1 filter 1 is private to the branch -> removable
        zeroConvFilter(net.getLayer("c1"), 1, true);
        INDArray x = random(4, 2, 8, 8);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);
        ComputationGraph p = r.network();

        assertEquivalent(expected, p.outputSingle(false, x));
        assertEquals(7, ((ConvolutionLayer) p.getLayer("stem").conf().getLayer()).getNOut());
        assertEquals(7, ((ConvolutionLayer) p.getLayer("c1").conf().getLayer()).getNIn());
        assertEquals(7, ((ConvolutionLayer) p.getLayer("c1").conf().getLayer()).getNOut());
        assertEquals(7, ((ConvolutionLayer) p.getLayer("c2").conf().getLayer()).getNIn());
        assertEquals(7, ((ConvolutionLayer) p.getLayer("c2").conf().getLayer()).getNOut());
        assertEquals(7, ((BatchNormalization) p.getLayer("bn").conf().getLayer()).getNOut());
        assertEquals(7, ((OutputLayer) p.getLayer("out").conf().getLayer()).getNIn());
        assertEquals(List.of(3), r.report().layer("out").orElseThrow().removedInputChannels());
        assertEquals(List.of(1), r.report().layer("c2").orElseThrow().removedInputChannels());
    }

    @Test
    void constantChannelReadByAPaddedConvolutionIsKeptAndTheReportSaysWhy() {
        ComputationGraph net = residual(false);
        zeroConvFilter(net.getLayer("c1"), 1, false);
        net.getLayer("c1").getParam("b").putScalar(1, 0.7); // relu(0.7): a constant channel into a Same-padded c2
        INDArray x = random(2, 2, 8, 8);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, r.network().outputSingle(false, x));
        assertEquals(8, ((ConvolutionLayer) r.network().getLayer("c1").conf().getLayer()).getNOut());
        assertTrue(r.report().notes().stream().anyMatch(n -> n.startsWith("c2: 1 input channel(s) are non-zero constants")),
                r.report().notes().toString());
    }

    @Test
    void residualWithProjectionShortcut() {
        ComputationGraph net = residual(true);
        zeroConvFilter(net.getLayer("c2"), 2, true);
        zeroConvFilter(net.getLayer("proj"), 2, true);
        zeroConvFilter(net.getLayer("proj"), 6, true); // c2 still produces 6 -> kept
        zeroConvFilter(net.getLayer("stem"), 4, true); // feeds c1 and proj, both drop their input 4
        INDArray x = random(4, 2, 8, 8);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);
        ComputationGraph p = r.network();

        assertEquivalent(expected, p.outputSingle(false, x));
        assertEquals(4, ((ConvolutionLayer) p.getLayer("stem").conf().getLayer()).getNOut());
        assertEquals(4, ((ConvolutionLayer) p.getLayer("proj").conf().getLayer()).getNIn());
        assertEquals(7, ((ConvolutionLayer) p.getLayer("proj").conf().getLayer()).getNOut());
        assertEquals(7, ((ConvolutionLayer) p.getLayer("c2").conf().getLayer()).getNOut());
        assertEquals(7, r.report().layer("proj").orElseThrow().keptOutputs());
        assertTrue(p.numParams() < net.numParams());
    }

    @Test
    void concatOffsetsChannelIndicesPerInput() {
        ComputationGraph net = new ComputationGraph(base()
                .addLayer("a", conv(3, 4, Activation.RELU), "in")
                .addLayer("b", conv(1, 6, Activation.TANH), "in")
                .addVertex("cat", new MergeVertex(), "a", "b")
                .addLayer("c", conv(3, 5, Activation.RELU), "cat")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "c")
                .addLayer("out", out(), "gap")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(6, 6, 3))
                .build());
        net.init();
        zeroConvFilter(net.getLayer("a"), 1, true);
        zeroConvFilter(net.getLayer("b"), 2, true);
        zeroConvFilter(net.getLayer("b"), 5, true);
        zeroConvFilter(net.getLayer("c"), 4, true);
        INDArray x = random(3, 3, 6, 6);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);
        ComputationGraph p = r.network();

        assertEquivalent(expected, p.outputSingle(false, x));
        assertEquals(List.of(1, 6, 9), r.report().layer("c").orElseThrow().removedInputChannels());
        assertEquals(7, ((ConvolutionLayer) p.getLayer("c").conf().getLayer()).getNIn());
        assertEquals(4, ((ConvolutionLayer) p.getLayer("c").conf().getLayer()).getNOut());
        assertEquals(4, ((OutputLayer) p.getLayer("out").conf().getLayer()).getNIn());
    }

    /** Zeroes input channel {@code c} of a conv layer (W[:, c, :, :]): channel-wise sparsity. */
    private static void zeroConvInputChannel(org.deeplearning4j.nn.api.Layer layer, int c) {
        INDArray w = layer.getParam("W");
        long[] s = w.shape();
        for (long o = 0; o < s[0]; o++) {
            for (long y = 0; y < s[2]; y++) {
                for (long x = 0; x < s[3]; x++) {
                    w.putScalar(new long[] {o, c, y, x}, 0.0);
                }
            }
        }
    }

    private static ComputationGraph twoConsumers() {
        ComputationGraph net = new ComputationGraph(base()
                .addLayer("a", conv(3, 6, Activation.RELU), "in")
                .addLayer("c1", conv(3, 4, Activation.RELU), "a")
                .addLayer("c2", conv(1, 4, Activation.RELU), "a")
                .addVertex("cat", new MergeVertex(), "c1", "c2")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "cat")
                .addLayer("out", out(), "gap")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(6, 6, 2))
                .build());
        net.init();
        return net;
    }

    @Test
    void zeroInputChannelOfOneConsumerIsKeptWhileAnotherConsumerUsesIt() {
        ComputationGraph net = twoConsumers();
        zeroConvInputChannel(net.getLayer("c1"), 2);
        INDArray x = random(3, 2, 6, 6);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, r.network().outputSingle(false, x));
        assertEquals(6, ((ConvolutionLayer) r.network().getLayer("a").conf().getLayer()).getNOut());
        assertEquals(6, ((ConvolutionLayer) r.network().getLayer("c1").conf().getLayer()).getNIn());
        assertEquals(net.numParams(), r.network().numParams());
    }

    @Test
    void channelUnusedByEveryConsumerRemovesTheProducerFilter() {
        ComputationGraph net = twoConsumers();
        zeroConvInputChannel(net.getLayer("c1"), 2);
        zeroConvInputChannel(net.getLayer("c2"), 2);
        INDArray x = random(3, 2, 6, 6);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, r.network().outputSingle(false, x));
        assertEquals(5, ((ConvolutionLayer) r.network().getLayer("a").conf().getLayer()).getNOut());
        assertEquals(List.of(2), r.report().layer("c1").orElseThrow().removedInputChannels());
        assertEquals(List.of(2), r.report().layer("c2").orElseThrow().removedInputChannels());
    }

    @Test
    void unsupportedVertexStopsPropagationAndIsNamed() {
        ComputationGraph net = new ComputationGraph(base()
                .addLayer("a", conv(3, 4, Activation.RELU), "in")
                .addVertex("helper", new PoolHelperVertex(), "a")
                .addLayer("c", conv(3, 5, Activation.RELU), "helper")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c")
                .addLayer("out", out(), "gap")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(6, 6, 3))
                .build());
        net.init();
        zeroConvFilter(net.getLayer("a"), 0, true);  // behind the unknown vertex: kept
        zeroConvFilter(net.getLayer("c"), 1, true);  // after it: still prunable
        INDArray x = random(2, 3, 6, 6);
        INDArray expected = net.outputSingle(false, x);

        PruneResult<ComputationGraph> r = StructuredPruner.builder().build().prune(net);

        assertEquivalent(expected, r.network().outputSingle(false, x));
        assertEquals(List.of("helper"), r.report().unsupportedLayers());
        assertEquals(4, r.report().layer("a").orElseThrow().keptOutputs());
        assertEquals(4, r.report().layer("c").orElseThrow().keptOutputs());
        assertTrue(r.report().layer("helper").orElseThrow().unsupportedReason().contains("PoolHelperVertex"));
    }
}
