package io.github.dl4jcompress.regularization;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Automatic eligibility (issue 12), refusing a second application and reporting skipped layers (issue 16 item 5). */
class StructuredSparsityEligibilityTest {

    private static List<GroupKind> kinds(List<Regularization> regs) {
        return regs.stream().map(r -> ((GroupLasso) r).getKind()).toList();
    }

    @Test
    void noChannelGroupOnAOneChannelConvolutionAndNoFilterGroupOnTheOutput() {
        MultiLayerConfiguration conf = TinyNets.lenetConf(new Sgd(0.1));
        Map<String, List<Regularization>> added = StructuredSparsity.builder().filters(1e-3).channels(1e-3).build().applyTo(conf);
        assertEquals(List.of(GroupKind.FILTER), kinds(added.get("conv1")), "conv1 has one input channel");
        assertEquals(List.of(GroupKind.FILTER, GroupKind.CHANNEL), kinds(added.get("conv2")));
        assertEquals(List.of(GroupKind.CHANNEL), kinds(added.get("out")));
    }

    @Test
    void applyingTwiceIsRefusedAndAddsNothing() {
        MultiLayerConfiguration conf = TinyNets.lenetConf(new Sgd(0.1));
        StructuredSparsity ss = StructuredSparsity.builder().filters(1e-3).build();
        ss.applyTo(conf);
        String before = conf.toJson();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ss.applyTo(conf));
        assertTrue(e.getMessage().contains("'conv1' (index 0)") && e.getMessage().contains("double"), e.getMessage());
        assertEquals(before, conf.toJson(), "a refused application must not add anything");
    }

    @Test
    void layersWithUngroupableWeightsAreReported() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("c").nOut(4).build())
                .layer(new DepthwiseConvolution2D.Builder(3, 3).name("dw").depthMultiplier(1).build())
                .layer(new Deconvolution2D.Builder(2, 2).name("up").nOut(2).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(12, 12, 2)).build();
        assertEquals(List.of("'dw' (index 1, DepthwiseConvolution2D)", "'up' (index 2, Deconvolution2D)"), StructuredSparsity.unsupportedLayers(conf));
        Map<String, List<Regularization>> added = StructuredSparsity.builder().filters(1e-3).build().applyTo(conf);
        assertEquals(List.of("c"), List.copyOf(added.keySet()));
    }

    @Test
    void strengthsNormalisedBySqrtOfTheGroupSize() {
        MultiLayerConfiguration conf = TinyNets.lenetConf(new Sgd(0.1));
        Map<String, List<Regularization>> added = StructuredSparsity.builder().filters(1e-3).normalizeBySize().build().applyTo(conf);
        // conv1 filters: 1 x 3 x 3 = 9 weights; conv2 filters: 4 x 2 x 2 = 16 weights
        assertEquals(3e-3, ((GroupLasso) added.get("conv1").get(0)).getStrength().valueAt(0, 0), 1e-15);
        assertEquals(4e-3, ((GroupLasso) added.get("conv2").get(0)).getStrength().valueAt(0, 0), 1e-15);
    }

    static ComputationGraphConfiguration residual() {
        return new NeuralNetConfiguration.Builder().convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 2))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "stem")
                .addLayer("a1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "a1")
                .addLayer("bn2", new BatchNormalization.Builder().build(), "c2")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn2", "stem")
                // a projection block: its 1x1 shortcut is one weight layer, the branch two
                .addLayer("p", new ConvolutionLayer.Builder(1, 1).nOut(6).build(), "add")
                .addLayer("d1", new ConvolutionLayer.Builder(3, 3).nOut(6).build(), "add")
                .addLayer("d2", new ConvolutionLayer.Builder(3, 3).nOut(6).build(), "d1")
                .addVertex("add2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "p", "d2")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add2")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
    }

    @Test
    void depthGoesOnTheEndOfEachResidualBranchFoundInTheGraph() {
        ComputationGraphConfiguration conf = residual();
        List<ResidualBranches.Branch> branches = ResidualBranches.of(conf);
        assertEquals(2, branches.size());
        assertEquals("c2", branches.get(0).endLayer());
        assertEquals(List.of("bn2"), branches.get(0).endNorms());
        assertEquals("d2", branches.get(1).endLayer());
        assertEquals(List.of(), branches.get(1).endNorms());
        Map<String, List<Regularization>> added = StructuredSparsity.builder().depthOnResidualBranches(1e-3).build().applyTo(conf);
        assertEquals(List.of("c2", "d2"), List.copyOf(added.keySet()));
        assertEquals(List.of(GroupKind.DEPTH), kinds(added.get("c2")));
    }
}
