package io.github.dl4jcompress.regularization;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StructuredSparsityTest {

    @Test
    void everyEligibleLayerGetsItsOwnBoundGroupLasso() {
        MultiLayerConfiguration conf = TinyNets.lenetConf(new Sgd(0.1));
        Map<String, List<Regularization>> added = StructuredSparsity.builder().filters(1e-3).channels(2e-3).shapes(3e-3).build().applyTo(conf);
        // conv: filter+channel+shape (conv1, one input channel: no channel group); fc: filter+channel; out: channel only
        assertEquals(2, added.get("conv1").size());
        assertEquals(3, added.get("conv2").size());
        assertEquals(2, added.get("fc").size());
        assertEquals(1, added.get("out").size());
        GroupLasso fcFilter = (GroupLasso) added.get("fc").get(0);
        assertEquals(WeightLayout.dense("fc", 3, 5 * 2 * 2, 6), fcFilter.getLayout());
        GroupLasso conv2 = (GroupLasso) added.get("conv2").get(0);
        assertEquals(WeightLayout.convolution("conv2", 2, 5, 4, 2, 2), conv2.getLayout());
    }

    @Test
    void dl4jAppliesExactlyOurGradientThroughItsFlatViewsPerLayer() {
        // Same net twice, one with Group Lasso: with plain SGD (lr = 1) the difference of one step is the penalty gradient.
        MultiLayerConfiguration plainConf = TinyNets.lenetConf(new Sgd(1.0));
        MultiLayerConfiguration sslConf = TinyNets.lenetConf(new Sgd(1.0));
        Map<String, List<Regularization>> added = StructuredSparsity.builder().filters(0.01).channels(0.02).shapes(0.03).build().applyTo(sslConf);
        MultiLayerNetwork plain = new MultiLayerNetwork(plainConf);
        plain.init();
        MultiLayerNetwork ssl = new MultiLayerNetwork(sslConf);
        ssl.init(plain.params().dup(), true);
        Map<String, INDArray> before = copy(ssl.paramTable());
        DataSet ds = TinyNets.data(12, 1);
        plain.fit(ds);
        ssl.fit(ds);
        for (String layer : List.of("conv1", "conv2", "fc", "out")) {
            INDArray w0 = before.get(layer.equals("conv1") ? "0_W" : layer.equals("conv2") ? "2_W" : layer.equals("fc") ? "3_W" : "4_W");
            int idx = List.of("conv1", "pool1", "conv2", "fc", "out").indexOf(layer);
            INDArray expectedDelta = Nd4j.zeros(DataType.DOUBLE, w0.length());
            WeightLayout layout = ((GroupLasso) added.get(layer).get(0)).getLayout();
            for (Regularization r : added.get(layer)) {
                r.apply(layout.canonicalFlat(w0), expectedDelta, 1.0, 0, 0);
            }
            INDArray diff = layout.canonicalFlat(plain.getLayer(idx).getParam("W")).sub(layout.canonicalFlat(ssl.getLayer(idx).getParam("W")));
            assertTrue(expectedDelta.norm2Number().doubleValue() > 1e-3, layer);
            assertEquals(0.0, diff.sub(expectedDelta).amaxNumber().doubleValue(), 1e-10, "layer " + layer);
        }
        // the score includes the penalty
        double penalty = 0;
        for (int i : new int[]{0, 2, 3, 4}) {
            for (Regularization r : ((BaseLayer) ssl.getLayer(i).conf().getLayer()).getRegularization()) {
                penalty += r.score(ssl.getLayer(i).getParam("W"), 1, 0);
            }
        }
        assertTrue(penalty > 0);
        assertEquals(penalty, ssl.calcRegularizationScore(true), 1e-9);
    }

    @Test
    void graphsAreSupportedAndNamedLayersRestrictTheGroups() {
        ComputationGraphConfiguration conf = TinyNets.lenetGraphConf(new Sgd(0.1));
        Map<String, List<Regularization>> added = StructuredSparsity.builder().filters(1e-3).shapes(1e-3).layers("conv2").depth(1e-3, "fc").build().applyTo(conf);
        assertEquals(2, added.size());
        assertEquals(2, added.get("conv2").size());
        assertEquals(GroupKind.DEPTH, ((GroupLasso) added.get("fc").get(0)).getKind());
        ComputationGraph cg = new ComputationGraph(conf);
        cg.init();
        cg.fit(TinyNets.data(6, 2));
        assertTrue(Double.isFinite(cg.score()));
    }

    @Test
    void aKindThatDoesNotFitANamedLayerIsAConfigurationError() {
        MultiLayerConfiguration conf = TinyNets.lenetConf(new Sgd(0.1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StructuredSparsity.builder().shapes(1e-3).layers("fc").build().applyTo(conf));
        assertTrue(e.getMessage().contains("'fc'") && e.getMessage().contains("SHAPE"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> StructuredSparsity.builder().filters(1e-3).layers("nope").build().applyTo(TinyNets.lenetConf(new Sgd(0.1))));
        assertTrue(missing.getMessage().contains("'nope'"), missing.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> StructuredSparsity.builder().channels(-2));
        assertTrue(negative.getMessage().contains("-2.0"), negative.getMessage());
    }

    @Test
    void anUnknownLayerTypeIsNamed() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new LSTM.Builder().name("lstm").nIn(3).nOut(4).build())
                .layer(new org.deeplearning4j.nn.conf.layers.RnnOutputLayer.Builder().name("rnnOut").nIn(4).nOut(2).activation(Activation.SOFTMAX).build())
                .build();
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                () -> StructuredSparsity.builder().filters(1e-3).layers("lstm").build().applyTo(conf));
        assertTrue(e.getMessage().contains("'lstm'") && e.getMessage().contains("LSTM"), e.getMessage());
    }

    @Test
    void theGlobalBuilderMisuseIsDetectedWithAClearMessage() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .updater(new Sgd(0.1))
                .regularization(List.of(GroupLasso.of(GroupKind.FILTER, 1e-3)))
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(6, 6, 1))
                .build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StructuredSparsity.validate(conf));
        assertTrue(e.getMessage().contains("layer0") && e.getMessage().contains("StructuredSparsity"), e.getMessage());
        // and if the user trains anyway, the first update fails with the same explanation, not with a wrong penalty
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet ds = new DataSet(Nd4j.rand(4, 36), Nd4j.eye(3).getRows(0, 1, 2, 0));
        IllegalStateException train = assertThrows(IllegalStateException.class, () -> net.fit(ds));
        assertTrue(train.getMessage().contains("not bound"), train.getMessage());
    }

    @Test
    void binaryPushOnTheGlobalBuilderIsCaughtAsAddedTwice() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .regularization(List.of(BinaryPush.of(1e-3)))
                .list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(3).nOut(2).activation(Activation.SOFTMAX).build())
                .build();
        long copies = ((BaseLayer) conf.getConf(0).getLayer()).getRegularization().stream().filter(r -> r instanceof BinaryPush).count();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StructuredSparsity.validate(conf));
        assertTrue(copies == 2 ? e.getMessage().contains("twice") : e.getMessage().contains("same instance"), e.getMessage());
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> table) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        table.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }
}
