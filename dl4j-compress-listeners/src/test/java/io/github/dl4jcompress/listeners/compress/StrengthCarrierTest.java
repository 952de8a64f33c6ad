package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.prune.AnyConfiguration;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.GroupLasso;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The strength carrier of a network whose weight layers are all batch-norm-coupled (a ResNet): the output layer's
 * channel Group Lasso is steered like every strength but at {@link SslCompression#CARRIER_SCALE}, so it cannot empty
 * the output layer's inputs (at full scale it did: ResNet-20, session 21, sparse accuracy 8%).
 */
class StrengthCarrierTest {

    private static ComputationGraphConfiguration batchNormOnlyGraph() {
        return new NeuralNetConfiguration.Builder().seed(1).convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("in").setInputTypes(TinyProblems.IMAGE)
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).hasBias(false).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "conv")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
    }

    private static List<Regularization> regularization(ComputationGraphConfiguration conf, String layer) {
        return ((BaseLayer) ((LayerVertex) conf.getVertices().get(layer)).getLayerConf().getLayer()).getRegularization();
    }

    @Test
    void theCarrierIsASteeredChannelLassoOnTheOutputLayerAtANegligibleScale() {
        ComputationGraphConfiguration conf = batchNormOnlyGraph();
        SslCompression.attachStrengthCarrier(AnyConfiguration.of(conf), 5e-3, EnumSet.of(GroupKind.FILTER, GroupKind.DEPTH));
        // survives the JSON round trip DL4J does when a network is copied or saved
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        for (ComputationGraphConfiguration c : List.of(conf, back)) {
            List<Regularization> regs = regularization(c, "out");
            assertEquals(1, regs.size(), "one carrier on the output layer: " + regs);
            GroupLasso g = (GroupLasso) regs.get(0);
            assertEquals(GroupKind.CHANNEL, g.getKind());
            assertTrue(g.getStrength() instanceof SteeredStrength, "the controller finds and steers it: " + g.getStrength());
            // λ0 · sqrt(|g|) · scale, |g| = nOut = 3 weights per input channel
            assertEquals(5e-3 * Math.sqrt(3) * SslCompression.CARRIER_SCALE, ((SteeredStrength) g.getStrength()).getValue(), 1e-15);
            List<Regularization> convRegs = regularization(c, "conv");
            assertTrue(convRegs == null || convRegs.isEmpty(), "batch-norm-coupled layers get no weight Group Lasso: " + convRegs);
        }
    }

    /** A VGG-style chain: conv + batch norm, global pooling, a hidden dense layer (fc) and the output layer. */
    private static MultiLayerConfiguration vggStyleChain() {
        return new NeuralNetConfiguration.Builder().seed(1).convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(4).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new ActivationLayer.Builder().name("relu").activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new DenseLayer.Builder().name("fc").nOut(6).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(TinyProblems.IMAGE).build();
    }

    @Test
    void inABatchNormNetTheWeightGroupsAreHeldAtLambda0AndOnlyTheCarrierIsSteered() {
        MultiLayerConfiguration conf = vggStyleChain();
        SslCompression.attachWeightGroups(AnyConfiguration.of(conf), List.of("conv"), EnumSet.of(GroupKind.FILTER, GroupKind.CHANNEL),
                5e-3, Map.of("fc", 1.0, "out", 1.0));
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        for (MultiLayerConfiguration c : List.of(conf, back)) {
            List<Regularization> fc = c.getConf(4).getLayer() instanceof BaseLayer ? ((BaseLayer) c.getConf(4).getLayer()).getRegularization() : null;
            assertEquals(2, fc.size(), "fc: FILTER and CHANNEL groups: " + fc);
            for (Regularization r : fc) {
                GroupLasso g = (GroupLasso) r;
                // held, not steered: the controller (which adjusts every AdjustableSchedule) cannot grow it
                assertTrue(g.getStrength() instanceof FixedSchedule, g.getKind() + " of fc: " + g.getStrength());
                // λ0 · sqrt(|g|): a FILTER group of fc has 4 inputs, a CHANNEL group 6 outputs
                assertEquals(5e-3 * Math.sqrt(g.getKind() == GroupKind.FILTER ? 4 : 6), g.getStrength().valueAt(0, 0), 1e-15);
            }
            List<Regularization> out = ((BaseLayer) c.getConf(5).getLayer()).getRegularization();
            assertEquals(1, out.size(), "out: the carrier only: " + out);
            assertTrue(((GroupLasso) out.get(0)).getStrength() instanceof SteeredStrength);
            assertEquals(5e-3 * Math.sqrt(3) * SslCompression.CARRIER_SCALE, ((GroupLasso) out.get(0)).getStrength().valueAt(0, 0), 1e-15);
            List<Regularization> conv = ((BaseLayer) c.getConf(0).getLayer()).getRegularization();
            assertTrue(conv == null || conv.isEmpty(), "the batch-norm-coupled conv is grouped by its norm: " + conv);
        }
    }

    @Test
    void withoutBatchNormTheWeightGroupsAreSteered() {
        MultiLayerConfiguration conf = vggStyleChain();
        SslCompression.attachWeightGroups(AnyConfiguration.of(conf), List.of(), EnumSet.of(GroupKind.FILTER), 5e-3, Map.of());
        List<Regularization> fc = ((BaseLayer) conf.getConf(4).getLayer()).getRegularization();
        assertTrue(((GroupLasso) fc.get(0)).getStrength() instanceof SteeredStrength, "LeNet-style nets keep one steered λ: " + fc);
    }
}
