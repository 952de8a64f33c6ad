package io.github.dl4jcompress.regularization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * Issue 16, item 6 and the regularizers' non-finite guard: a finite but exploding strength schedule ends in an error
 * naming layer, parameter, index and iteration — raised before the update, so parameters and updater state are
 * those of the last good iteration.
 */
class NonFiniteGuardTest {

    private static MultiLayerNetwork net(Regularization onFc) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Nesterovs(0.01, 0.9)).list()
                .layer(new DenseLayer.Builder().name("fc").nIn(6).nOut(4).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nIn(4).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        ((BaseLayer) conf.getConf(0).getLayer()).setRegularization(List.of(onFc));
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Fits until an exception; checks that the failing fit left parameters and updater state untouched. */
    private static RuntimeException fitUntilFailure(MultiLayerNetwork net) {
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 6);
        INDArray y = Nd4j.rand(DataType.FLOAT, 8, 2);
        for (int i = 0; i < 60; i++) {
            INDArray params = net.params().dup();
            INDArray state = net.getUpdater().getStateViewArray().dup();
            try {
                net.fit(x, y);
            } catch (RuntimeException e) {
                assertEquals(params, net.params(), "parameters changed by the failed iteration " + i);
                assertEquals(state, net.getUpdater().getStateViewArray(), "updater state changed by iteration " + i);
                return e;
            }
            assertEquals(-1, FiniteValues.firstNonFinite(net.params()), "parameters became non-finite at iteration " + i);
        }
        return null;
    }

    @Test
    void explodingGroupLassoScheduleIsRefusedBeforeTheParametersGoNonFinite() {
        GroupLasso lasso = GroupLasso.of(GroupKind.FILTER, new ExponentialSchedule(ScheduleType.ITERATION, 1e-3, 1e8))
                .bind(WeightLayout.dense("fc", 6, 4));
        RuntimeException e = fitUntilFailure(net(lasso));
        assertNotNull(e, "no error in 60 iterations of an exploding strength");
        assertTrue(e instanceof NonFiniteValueException, e.toString());
        assertTrue(e.getMessage().contains("layer 'fc'") && e.getMessage().contains("parameter W")
                && e.getMessage().contains("index ") && e.getMessage().contains("iteration "), e.getMessage());
    }

    @Test
    void explodingBinaryPushScheduleIsRefusedBeforeTheParametersGoNonFinite() {
        RuntimeException e = fitUntilFailure(net(BinaryPush.of(new ExponentialSchedule(ScheduleType.ITERATION, 1e-3, 1e8))));
        assertNotNull(e, "no error in 60 iterations of an exploding strength");
        assertTrue(e instanceof NonFiniteValueException, e.toString());
        assertTrue(e.getMessage().contains("BinaryPush") && e.getMessage().contains("parameter W")
                && e.getMessage().contains("index ") && e.getMessage().contains("iteration "), e.getMessage());
    }

    @Test
    void nonFiniteWeightIsRefusedByTheRegularizerNamingTheIndex() {
        GroupLasso lasso = GroupLasso.of(GroupKind.FILTER, 1e-3).bind(WeightLayout.dense("fc", 6, 4));
        INDArray w = Nd4j.rand(DataType.FLOAT, 24);
        w.putScalar(17, Float.POSITIVE_INFINITY);
        INDArray grad = Nd4j.zeros(DataType.FLOAT, 24);
        NonFiniteValueException e = assertThrows(NonFiniteValueException.class, () -> lasso.apply(w, grad, 0.1, 9, 0));
        assertTrue(e.getMessage().contains("index 17") && e.getMessage().contains("iteration 9")
                && e.getMessage().contains("Infinity"), e.getMessage());
        assertEquals(Nd4j.zeros(DataType.FLOAT, 24), grad);
    }
}
