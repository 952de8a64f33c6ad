package io.github.dl4jcompress.regularization;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: a layout carries its layer's index into every error, and a Group Lasso bound to one layer but handed to
 * others (the global builder) is refused before anything changes, even when the other layer has the same shape.
 */
class BoundLayoutCheckTest {

    /** in(4) -> a(4) -> b(4) -> out(4): every layer has the same weight shape [4, 4]. */
    private static MultiLayerConfiguration twoSameShapeLayers(GroupLasso global) {
        return twoSameShapeLayers(global, new Sgd(0.1));
    }

    private static MultiLayerConfiguration twoSameShapeLayers(GroupLasso global, org.nd4j.linalg.learning.config.IUpdater updater) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER).updater(updater);
        if (global != null) {
            b.regularization(List.of(global));
        }
        return b.list()
                .layer(new DenseLayer.Builder().name("a").nOut(4).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().name("b").nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build();
    }

    private static DataSet data() {
        Nd4j.getRandom().setSeed(9);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 6, 4);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 4, 1.0);
        }
        return new DataSet(Nd4j.rand(DataType.DOUBLE, 6, 4), y);
    }

    @Test
    void aBoundLassoOnTheGlobalBuilderFailsBeforeAnyParameterChanges() {
        GroupLasso boundToB = GroupLasso.of(GroupKind.FILTER, 0.5).bind(WeightLayout.dense("b", 1, 4, 4));
        MultiLayerNetwork net = new MultiLayerNetwork(twoSameShapeLayers(boundToB));
        net.init();
        INDArray before = net.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(data()));
        assertTrue(e.getMessage().contains("layer 'b' (index 1)") && e.getMessage().contains("two different weights of one network"),
                e.getMessage());
        assertEquals(before, net.params(), "parameters unchanged");
    }

    @Test
    void withAStatefulUpdaterTheUpdaterStateIsUnchangedToo() {
        GroupLasso boundToB = GroupLasso.of(GroupKind.FILTER, 0.5).bind(WeightLayout.dense("b", 1, 4, 4));
        MultiLayerNetwork net = new MultiLayerNetwork(twoSameShapeLayers(boundToB, new org.nd4j.linalg.learning.config.Adam(0.01)));
        net.init();
        net.getUpdater(true);
        INDArray params = net.params().dup();
        INDArray state = net.getUpdater().getStateViewArray().dup();
        assertThrows(IllegalStateException.class, () -> net.fit(data()));
        assertEquals(params, net.params(), "parameters unchanged");
        assertEquals(state, net.getUpdater().getStateViewArray(), "updater state unchanged");
    }

    @Test
    void validationRefusesALassoBoundToAnotherLayerOfTheSameShape() {
        // after a JSON round trip each layer holds its own copy, so only the names tell the copies apart
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(
                twoSameShapeLayers(GroupLasso.of(GroupKind.FILTER, 0.5).bind(WeightLayout.dense("b", 1, 4, 4))).toJson());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StructuredSparsity.validate(conf));
        assertTrue(e.getMessage().startsWith("Layer 'a' (index 0), parameter W") && e.getMessage().contains("layer 'b' (index 1)"),
                e.getMessage());
    }

    @Test
    void layoutsCarryTheLayerIndexIntoTheirErrors() {
        MultiLayerConfiguration conf = TinyNets.lenetConf(new Sgd(0.1));
        Map<String, List<org.nd4j.linalg.learning.regularization.Regularization>> added =
                StructuredSparsity.builder().filters(0.1).build().applyTo(conf);
        GroupLasso conv2 = (GroupLasso) added.get("conv2").get(0);
        assertEquals(2, conv2.getLayout().getLayerIndex());
        IllegalArgumentException wrongSize = assertThrows(IllegalArgumentException.class,
                () -> conv2.apply(Nd4j.zeros(DataType.DOUBLE, 7), Nd4j.zeros(DataType.DOUBLE, 7), 0.1, 0, 0));
        assertTrue(wrongSize.getMessage().contains("layer 'conv2' (index 2), parameter W"), wrongSize.getMessage());
        INDArray w = Nd4j.ones(DataType.DOUBLE, conv2.getLayout().length());
        w.putScalar(3, Double.NaN);
        NonFiniteValueException nan = assertThrows(NonFiniteValueException.class,
                () -> conv2.apply(w, Nd4j.zeros(DataType.DOUBLE, w.length()), 0.1, 5, 0));
        assertTrue(nan.getMessage().contains("on layer 'conv2' (index 2): parameter W has value NaN at index 3"), nan.getMessage());
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
                () -> GroupLasso.of(GroupKind.SHAPE, 0.1).bind(WeightLayout.dense("fc", 3, 20, 6)));
        assertTrue(kind.getMessage().startsWith("Layer 'fc' (index 3), parameter W"), kind.getMessage());
        // JSON keeps the index; JSON written before it existed reads as unknown (-1)
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        GroupLasso restored = (GroupLasso) ((org.deeplearning4j.nn.conf.layers.BaseLayer) back.getConf(2).getLayer()).getRegularization().get(0);
        assertEquals(conv2, restored);
        assertEquals(2, restored.getLayout().getLayerIndex());
        WeightLayout old = new WeightLayout("x", null, WeightLayout.Type.DENSE, 2, 3, 1, 1);
        assertEquals(-1, old.getLayerIndex());
        assertEquals("layer 'x'", old.describeLayer());
    }
}
