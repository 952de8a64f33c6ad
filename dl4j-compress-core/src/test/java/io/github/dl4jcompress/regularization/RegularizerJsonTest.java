package io.github.dl4jcompress.regularization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.serde.JsonMappers;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/** Issue 16, item 4: a missing JSON field restores the documented default or is refused naming the layer and field. */
class RegularizerJsonTest {

    private static final ObjectMapper MAPPER = JsonMappers.getMapper();

    private static ObjectNode jsonOf(Regularization r) throws Exception {
        return (ObjectNode) MAPPER.readTree(MAPPER.writeValueAsString(r));
    }

    private static Regularization read(ObjectNode json) throws Exception {
        return MAPPER.readValue(MAPPER.writeValueAsString(json), Regularization.class);
    }

    private static String messageChain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" | ");
        }
        return b.toString();
    }

    private static GroupLasso bound() {
        return GroupLasso.of(GroupKind.FILTER, 1e-3).withEpsilon(1e-6).bind(WeightLayout.convolution("conv2", 5, 4, 2, 2));
    }

    @Test
    void groupLassoWithoutEpsilonRestoresTheDocumentedDefault() throws Exception {
        ObjectNode json = jsonOf(bound());
        json.remove("epsilon");
        GroupLasso read = (GroupLasso) read(json);
        assertEquals(GroupLasso.DEFAULT_EPSILON, read.getEpsilon());
        assertEquals(bound().getLayout(), read.getLayout());
    }

    @Test
    void groupLassoWithoutKindOrStrengthNamesTheLayerAndField() throws Exception {
        for (String field : new String[] {"kind", "strength"}) {
            ObjectNode json = jsonOf(bound());
            json.remove(field);
            Exception e = assertThrows(Exception.class, () -> read(json));
            String all = messageChain(e);
            assertTrue(all.contains("'conv2'") && all.contains("'" + field + "'") && !all.contains("NullPointer"), all);
        }
    }

    @Test
    void binaryPushWithoutStrengthIsRefusedNamingTheFieldAndWithoutFullScaleUsesTheLayerMax() throws Exception {
        ObjectNode json = jsonOf(BinaryPush.of(1e-3).withFullScale(0.5));
        json.remove("fullScale");
        assertEquals(0.0, ((BinaryPush) read(json)).getFullScale()); // documented default: the layer's max|w|
        json.remove("strength");
        String all = messageChain(assertThrows(Exception.class, () -> read(json)));
        assertTrue(all.contains("'strength'") && !all.contains("NullPointer"), all);
    }

    @Test
    void weightLayoutWithoutTypeNamesTheLayer() throws Exception {
        ObjectNode json = jsonOf(bound());
        ((ObjectNode) json.get("layout")).remove("type");
        String all = messageChain(assertThrows(Exception.class, () -> read(json)));
        assertTrue(all.contains("'conv2'") && all.contains("'type'") && !all.contains("NullPointer"), all);
    }

    /** A bound instance on the global builder: the error must not blame the layer it is bound to. */
    @Test
    void boundInstanceOnTheGlobalBuilderSaysItIsSharedAndNothingChanges() {
        GroupLasso boundToFc = GroupLasso.of(GroupKind.FILTER, 1e-3).bind(WeightLayout.dense("fc", 4, 3));
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).regularization(List.of(boundToFc)).list()
                .layer(new DenseLayer.Builder().name("fc").nIn(4).nOut(3).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nIn(3).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray before = net.params().dup();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 4);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 5, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.fit(x, y));
        assertTrue(e.getMessage().contains("bound to layer 'fc'") && e.getMessage().contains("6 values")
                && e.getMessage().contains("another layer") && e.getMessage().contains("global"), e.getMessage());
        assertEquals(before, net.params());
    }
}
