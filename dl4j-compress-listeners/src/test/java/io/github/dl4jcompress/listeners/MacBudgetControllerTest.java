package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.regularization.GroupLasso;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MacBudgetControllerTest {

    static final InputType INPUT = InputType.feedForward(20);

    static MultiLayerNetwork net(IUpdater updater, double lambda0) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(updater).list()
                .layer(new DenseLayer.Builder().name("fc").nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build();
        StructuredSparsity.builder().layers("fc").filters(new AdjustableSchedule(lambda0)).build().applyTo(conf);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static DataSet data() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 40, 20);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 40, 2);
        for (int i = 0; i < 40; i++) {
            y.putScalar(i, x.getDouble(i, 0) > 0.5 ? 1 : 0, 1.0);
        }
        return new DataSet(x, y);
    }

    private static double strength(MultiLayerNetwork net) {
        for (Regularization r : ((BaseLayer) net.getLayer("fc").conf().getLayer()).getRegularization()) {
            if (r instanceof GroupLasso) {
                return ((GroupLasso) r).getStrength().valueAt(0, 0);
            }
        }
        throw new AssertionError("no Group Lasso on fc");
    }

    /** Each update is exactly the documented rule: ln λ += clamp(gain·(ln r − ln r_ref), ±maxStep). */
    private static void assertFollowsTheRule(List<MacBudgetController.Step> h, double lambda0, double gain, double maxStep) {
        double lambda = lambda0;
        for (MacBudgetController.Step s : h) {
            double step = Math.max(-maxStep, Math.min(maxStep, gain * (Math.log(s.macRatio) - Math.log(s.target))));
            lambda *= Math.exp(step);
            assertEquals(lambda, s.strengthScale, 1e-12 * lambda, "iteration " + s.iteration);
        }
    }

    @Test
    void cubicReferenceFollowsZhuAndGuptasSchedule() {
        MacBudgetController c = MacBudgetController.builder().target(0.2).byEpoch(4, 10).inputTypes(INPUT)
                .trajectory(MacBudgetController.Trajectory.CUBIC).build();
        assertEquals(1.0, c.reference(0), 1e-12);
        assertEquals(0.2 + 0.8 * 0.125, c.reference(0.5), 1e-12);
        assertEquals(0.2, c.reference(1), 1e-12);
        assertEquals(0.2, c.reference(1.5), 1e-12, "held at the target after the ramp");
        assertThrows(IllegalStateException.class, () -> MacBudgetController.builder().target(0.2).byEpoch(4, 10).inputTypes(INPUT)
                .rankedZeroing(0.1).build(), "ranked zeroing is a mode of budgeted zeroing");
    }

    @Test
    void tooManyMacsLeftRaisesTheStrength() {
        MultiLayerNetwork net = net(new Sgd(0.1), 1e-3);
        MacBudgetController c = MacBudgetController.builder().target(0.2).byEpoch(1, 10).frequency(1).maxStep(0.1).inputTypes(INPUT).build();
        net.setListeners(c);
        DataSet d = data();
        for (int i = 0; i < 10; i++) {
            net.fit(d);
        }
        List<MacBudgetController.Step> h = c.getHistory();
        assertEquals(10, h.size());
        // no group is zero (no zeroing listener): the network is at 100% MACs, behind the trajectory, so λ only grows
        for (MacBudgetController.Step s : h) {
            assertEquals(1.0, s.macRatio, 0);
            assertTrue(s.target <= 1.0 && s.target >= 0.2);
        }
        assertFollowsTheRule(h, 1e-3, 1.0, 0.1);
        assertTrue(strength(net) > 1e-3 * Math.exp(0.8), "λ should have grown by ~e^0.1 per update, is " + strength(net));
        assertEquals(h.get(h.size() - 1).strengthScale, strength(net), 0);
        // the controlled strength is part of the configuration: a saved network keeps the final λ
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        GroupLasso g = (GroupLasso) ((BaseLayer) back.getConf(0).getLayer()).getRegularization().get(0);
        assertEquals(new AdjustableSchedule(strength(net)), g.getStrength());
    }

    @Test
    void maxScaleCapsTheGrowthButNotTheDecay() {
        // behind the trajectory (100% MACs, no zeroing): λ would grow by e^0.1 per update; capped at 1.5·λ0
        MultiLayerNetwork net = net(new Sgd(0.1), 1e-3);
        MacBudgetController c = MacBudgetController.builder().target(0.2).byEpoch(1, 10).frequency(1).maxStep(0.1).maxScale(1.5)
                .inputTypes(INPUT).build();
        net.setListeners(c);
        DataSet d = data();
        for (int i = 0; i < 10; i++) {
            net.fit(d);
        }
        double lambda = 1e-3;
        for (MacBudgetController.Step s : c.getHistory()) {
            double step = Math.max(-0.1, Math.min(0.1, Math.log(s.macRatio) - Math.log(s.target)));
            lambda = Math.min(1.5e-3, lambda * Math.exp(step));
            assertEquals(lambda, s.strengthScale, 1e-15, "iteration " + s.iteration);
        }
        assertEquals(1.5e-3, strength(net), 1e-15, "held at the cap once reached");
        assertEquals(1.5, c.getScale(), 1e-12);
        // held at λ0 (maxScale 1) when behind; ahead of the trajectory it still decays
        MultiLayerNetwork held = net(new NoOp(), 1e-2);
        INDArray w = held.getParam("0_W").dup();
        for (int unit = 0; unit < 12; unit++) {
            for (int in = 0; in < 20; in++) {
                w.putScalar(in, unit, 0.0);
            }
        }
        held.setParam("0_W", w);
        MacBudgetController down = MacBudgetController.builder().target(0.9).byEpoch(1, 5).frequency(1).maxStep(0.2).maxScale(1)
                .trajectory(MacBudgetController.Trajectory.LINEAR).inputTypes(INPUT).build();
        held.setListeners(down);
        for (int i = 0; i < 5; i++) {
            held.fit(d);
        }
        assertEquals(1e-2 * Math.exp(-0.2 * 5), strength(held), 1e-12, "decay is not capped");
        assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().maxScale(0));
    }

    @Test
    void aheadOfTheTrajectoryLowersTheStrength() {
        MultiLayerNetwork net = net(new NoOp(), 1e-2);
        // 12 of fc's 16 units removed by hand: effective MACs far below the 90% target, so λ must fall
        INDArray w = net.getParam("0_W").dup();
        for (int unit = 0; unit < 12; unit++) {
            for (int in = 0; in < 20; in++) {
                w.putScalar(in, unit, 0.0);
            }
        }
        net.setParam("0_W", w);
        MacBudgetController c = MacBudgetController.builder().target(0.9).byEpoch(1, 5).frequency(1).gain(0.5).maxStep(0.2)
                .trajectory(MacBudgetController.Trajectory.LINEAR).inputTypes(INPUT).build();
        net.setListeners(c);
        DataSet d = data();
        for (int i = 0; i < 5; i++) {
            net.fit(d);
        }
        List<MacBudgetController.Step> h = c.getHistory();
        assertEquals(5, h.size());
        for (MacBudgetController.Step s : h) {
            assertTrue(s.macRatio < 0.5, "MAC fraction " + s.macRatio);
        }
        assertFollowsTheRule(h, 1e-2, 0.5, 0.2);
        assertEquals(1e-2 * Math.exp(-0.2 * 5), strength(net), 1e-12, "each update capped at -maxStep");
    }

    @Test
    void lookaheadCountsShrunkGroupsOnACopyOnly() {
        MultiLayerNetwork net = net(new NoOp(), 1e-2);
        // 8 of fc's 16 units shrunk to 1% of their size: not zero, so only the lookahead sees them as going
        INDArray w = net.getParam("0_W").dup();
        for (int unit = 0; unit < 8; unit++) {
            for (int in = 0; in < 20; in++) {
                w.putScalar(in, unit, w.getDouble(in, unit) * 0.01);
            }
        }
        net.setParam("0_W", w);
        INDArray before = net.params().dup();
        MacBudgetController exact = MacBudgetController.builder().target(0.5).byEpoch(1, 1).frequency(1).inputTypes(INPUT).build();
        MacBudgetController ahead = MacBudgetController.builder().target(0.5).byEpoch(1, 1).frequency(1).lookahead(0.1).inputTypes(INPUT).build();
        exact.iterationDone(net, 0, 0);
        ahead.iterationDone(net, 0, 0);
        assertEquals(1.0, exact.getHistory().get(0).macRatio, 0);
        assertTrue(ahead.getHistory().get(0).macRatio < 0.75, "lookahead MAC fraction " + ahead.getHistory().get(0).macRatio);
        assertEquals(before, net.params(), "the lookahead must not touch the trained network");
        assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().lookahead(1.0));
    }

    @Test
    void referenceTrajectoriesAndBadInput() {
        MacBudgetController geo = MacBudgetController.builder().target(0.25).byEpoch(2, 10).inputTypes(INPUT).build();
        assertEquals(1.0, geo.reference(0), 0);
        assertEquals(0.5, geo.reference(0.5), 1e-12);
        assertEquals(0.25, geo.reference(1), 1e-12);
        assertEquals(0.25, geo.reference(3), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().target(0));
        assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().target(1.5));
        assertThrows(IllegalStateException.class, () -> MacBudgetController.builder().target(0.2).inputTypes(INPUT).build());
        assertThrows(IllegalArgumentException.class, () -> new AdjustableSchedule(-1));

        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder().nIn(4).nOut(2).activation(Activation.SOFTMAX).build()).build();
        MultiLayerNetwork plain = new MultiLayerNetwork(conf);
        plain.init();
        MacBudgetController c = MacBudgetController.builder().target(0.2).byEpoch(1, 1).frequency(1).inputTypes(InputType.feedForward(4)).build();
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> c.iterationDone(plain, 0, 0));
        assertTrue(s.getMessage().contains("AdjustableSchedule"), s.getMessage());
    }
}
