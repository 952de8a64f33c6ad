package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.listeners.MacBudgetController;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * With {@code normGroupsAtWeightRate}: one proximal step of the batch-norm groups shrinks each group by the relative rate η·λ, the rate of a weight group
 * under the strength rule λ0·sqrt(|g|)·rms(W), whatever the fan-in of the layer the norm follows (it was η·λ / rms(W)).
 */
class NormGroupRateTest {

    private static MultiLayerNetwork net(int fanInChannels) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Nesterovs(0.1, 0.9))
                .convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv0").nOut(fanInChannels).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(4).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new ActivationLayer.Builder().name("relu").activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(TinyProblems.IMAGE).build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    @Test
    void oneStepShrinksEveryNormGroupByEtaTimesLambdaWhateverTheFanIn() {
        for (int fanIn : new int[]{1, 32}) {
            MultiLayerNetwork n = net(fanIn);
            List<NormGroups.Coupled> coupled = NormGroups.coupled(n.getLayerWiseConfigurations());
            assertEquals(1, coupled.size(), "conv -> bn: " + coupled);
            MacBudgetController controller = MacBudgetController.builder().target(0.5).byEpoch(1, 1000).budgetedZeroing(0.05)
                    .inputTypes(TinyProblems.IMAGE).build();
            double lambda = 1e-2;
            NormGroupLasso norms = new NormGroupLasso(coupled, List.of(), controller, lambda, 0.05, 1000, 1000,
                    new org.deeplearning4j.nn.conf.inputs.InputType[]{TinyProblems.IMAGE}, 6, true);
            INDArray gamma = n.getLayer("bn").getParam("gamma");
            assertEquals(1.0, gamma.getDouble(0), 0, "γ starts at 1, β at 0: every group norm 1");
            norms.iterationDone(n, 1, 0);                      // not a rationing iteration: the proximal step only
            double eta = 0.1 / (1 - 0.9);                      // Nesterov: the step momentum takes on a constant gradient
            for (int f = 0; f < 4; f++) {
                assertEquals(1 - eta * lambda, gamma.getDouble(f), 1e-6, "fan-in " + fanIn + ", filter " + f);
            }
        }
    }
}
