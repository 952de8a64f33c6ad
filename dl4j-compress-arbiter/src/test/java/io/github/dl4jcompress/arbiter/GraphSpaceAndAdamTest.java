package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.regularization.GroupLasso;
import org.deeplearning4j.arbiter.ComputationGraphSpace;
import org.deeplearning4j.arbiter.conf.updater.AdamSpace;
import org.deeplearning4j.arbiter.conf.updater.SgdSpace;
import org.deeplearning4j.arbiter.layers.DenseLayerSpace;
import org.deeplearning4j.arbiter.layers.OutputLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.util.LeafUtils;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GraphSpaceAndAdamTest {

    @Test
    void wrapperWorksInAComputationGraphSpace() {
        ContinuousParameterSpace filters = StrengthSpace.logUniform(1e-3, 1e-1);
        ComputationGraphSpace space = new ComputationGraphSpace.Builder()
                .updater(new SgdSpace(new FixedValue<>(0.1)))
                .addInputs("in")
                .addLayer("hidden", StructuredSparsityLayerSpace.wrap(new DenseLayerSpace.Builder().nOut(8).activation(Activation.RELU).build())
                        .filters(filters).channels(filters).build(), "in")
                .addLayer("out", new OutputLayerSpace.Builder().nOut(2).activation(Activation.SOFTMAX).lossFunction(LossFunctions.LossFunction.MCXENT).build(), "hidden")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(5))
                .build();
        assertEquals(1, space.numParameters());
        List<ParameterSpace> leaves = LeafUtils.getUniqueObjects(space.collectLeaves());
        for (ParameterSpace p : leaves) {
            p.setIndices(p.numParameters() == 0 ? new int[0] : new int[]{0});
        }
        ComputationGraphConfiguration conf = space.getValue(new double[]{0.5}).getConfiguration();
        assertEquals(2, RegularizerBinding.bind(conf));
        BaseLayer hidden = (BaseLayer) ((LayerVertex) conf.getVertices().get("hidden")).getLayerConf().getLayer();
        int n = 0;
        for (Regularization r : hidden.getRegularization()) {
            if (r instanceof GroupLasso) {
                GroupLasso g = (GroupLasso) r;
                assertTrue(g.isBound());
                assertEquals("hidden", g.getLayout().getLayerName());
                assertEquals(5, g.getLayout().getNIn());
                assertEquals(Math.sqrt(1e-3 * 1e-1), g.getStrength().valueAt(0, 0), 1e-12);
                n++;
            }
        }
        assertEquals(2, n);
        ComputationGraph graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(conf.toJson()));
        graph.init();
        assertEquals(2, ((BaseLayer) graph.getLayer("hidden").conf().getLayer()).getRegularization().stream().filter(r -> r instanceof GroupLasso).count());
    }

    /** The measured fact behind the README's warning: Arbiter beta7's AdamSpace fills unset betas/epsilon with 1e-3. */
    @Test
    void arbitersAdamSpaceSetsBetasToTheDefaultLearningRate() {
        Adam adam = (Adam) new AdamSpace(new FixedValue<>(0.01)).getValue(new double[0]);
        assertEquals(Adam.DEFAULT_ADAM_LEARNING_RATE, adam.getBeta1(), 0);
        assertEquals(Adam.DEFAULT_ADAM_LEARNING_RATE, adam.getBeta2(), 0);
        assertEquals(Adam.DEFAULT_ADAM_LEARNING_RATE, adam.getEpsilon(), 0);
        Adam explicit = (Adam) new AdamSpace(new FixedValue<>(0.01), new FixedValue<>(0.9), new FixedValue<>(0.999), new FixedValue<>(1e-8))
                .getValue(new double[0]);
        assertEquals(0.9, explicit.getBeta1(), 0);
        assertEquals(0.999, explicit.getBeta2(), 0);
    }
}
