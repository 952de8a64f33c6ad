package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.List;

import static io.github.dl4jcompress.listeners.MacBudgetControllerTest.INPUT;
import static io.github.dl4jcompress.listeners.MacBudgetControllerTest.data;
import static io.github.dl4jcompress.listeners.MacBudgetControllerTest.net;
import static org.junit.jupiter.api.Assertions.*;

class BudgetedZeroingTest {

    /** fc has 16 units, 20 inputs; out reads 16, writes 2: 352 MACs, each fc unit removed saves 22 (6.25%). */
    private static final double UNIT = 22.0 / 352.0;

    private static double unitNorm(MultiLayerNetwork net, int unit) {
        return net.getParam("0_W").dup().getColumn(unit).norm2Number().doubleValue();
    }

    /** Units 0..11 of fc rescaled to norm (unit + 1)·0.1%, the others to norm 1: candidates ranked 0, 1, 2, ... */
    private static MultiLayerNetwork shrunk() {
        MultiLayerNetwork net = net(new NoOp(), 1e-2);
        INDArray w = net.getParam("0_W").dup();
        for (int unit = 0; unit < 16; unit++) {
            double norm = w.getColumn(unit).norm2Number().doubleValue();
            double to = unit < 12 ? 1e-3 * (unit + 1) : 1.0;
            for (int in = 0; in < 20; in++) {
                w.putScalar(in, unit, w.getDouble(in, unit) / norm * to);
            }
        }
        net.setParam("0_W", w);
        return net;
    }

    private static double prunedRatio(MultiLayerNetwork net) {
        return BudgetedZeroing.prunedMacRatio(net, new CostModel(), StructuredPruner.builder().threshold(0).build(), new InputType[]{INPUT});
    }

    @Test
    void rankedModeZeroesBeyondTheCandidatesDownToTheFloorButNeverEmptiesALayer() {
        MultiLayerNetwork net = shrunk();
        BudgetedZeroing z = new BudgetedZeroing(0.03, 3, true, INPUT);
        // floor 0.15: 1 - k·UNIT >= 0.15 allows k = 13: the 12 candidates and one unit of norm 1
        BudgetedZeroing.Result r = z.ration(net, 0.15);
        assertEquals(12, r.candidates);
        assertEquals(13, r.zeroed);
        assertEquals(1 - 13 * UNIT, r.macRatioAfter, 1e-12);
        assertEquals(r.macRatioAfter, prunedRatio(net), 1e-12);
        for (int unit = 0; unit < 12; unit++) {
            assertEquals(0.0, unitNorm(net, unit), 0, "the smallest go first: unit " + unit);
        }
        // floor 0: everything may go, but the layer keeps its largest unit
        BudgetedZeroing.Result r2 = z.ration(net, 0.0);
        assertEquals(2, r2.zeroed);
        long kept = java.util.stream.IntStream.range(0, 16).filter(u -> unitNorm(net, u) > 0).count();
        assertEquals(1, kept, "a layer is never emptied");
        assertEquals(1 - 15 * UNIT, r2.macRatioAfter, 1e-12);
    }

    @Test
    void candidateModeNeverZeroesALayersLastGroupEvenWhenEveryGroupIsACandidate() {
        MultiLayerNetwork net = net(new NoOp(), 1e-2);
        BudgetedZeroing z = new BudgetedZeroing(0.03, 3, INPUT);
        z.ration(net, 0.99);                       // the reference norms are seen at full size, nothing zeroed
        // a steered λ pushed every fc unit below the threshold (session 21's VGG: the whole fc was zeroed at once)
        net.setParam("0_W", net.getParam("0_W").mul(1e-3));
        BudgetedZeroing.Result r = z.ration(net, 0.0);
        assertEquals(15, r.candidates, "the largest unit is never a candidate");
        assertEquals(15, r.zeroed);
        long kept = java.util.stream.IntStream.range(0, 16).filter(u -> unitNorm(net, u) > 0).count();
        assertEquals(1, kept, "fc keeps one unit");
        assertEquals(1 - 15 * UNIT, r.macRatioAfter, 1e-12);
        assertEquals(0, z.ration(net, 0.0).zeroed, "and keeps it on the next update");
    }

    @Test
    void zeroesTheSmallestCandidatesOnlyDownToTheFloor() {
        MultiLayerNetwork net = shrunk();
        BudgetedZeroing z = new BudgetedZeroing(0.03, 3, INPUT);
        // floor 0.5: at most 8 of the 12 candidates may go (16 - k >= 8)
        BudgetedZeroing.Result r = z.ration(net, 0.5);
        assertEquals(12, r.candidates);
        assertEquals(8, r.zeroed);
        assertEquals(1.0, r.macRatioBefore, 0);
        assertEquals(1 - 8 * UNIT, r.macRatioAfter, 1e-12);
        assertEquals(1 - 12 * UNIT, r.pendingMacRatio, 1e-12, "all candidates zeroed");
        assertEquals(r.macRatioAfter, prunedRatio(net), 1e-12, "the live network is pruned to what was measured");
        for (int unit = 0; unit < 16; unit++) {
            if (unit < 8) {
                assertEquals(0.0, unitNorm(net, unit), 0, "smallest first: unit " + unit);
            } else {
                assertTrue(unitNorm(net, unit) > 0, "unit " + unit + " must survive");
            }
        }
        // an update that regrows everything: the zeroed groups are set back to zero, the others keep their values
        net.setParam("0_W", net.getParam("0_W").dup().addi(1e-4));
        z.reapply(net);
        assertEquals(0.0, unitNorm(net, 3), 0);
        assertTrue(unitNorm(net, 9) > 0);
        // a lower floor lets the rest go, but never below it
        BudgetedZeroing.Result r2 = z.ration(net, 0.3);
        assertEquals(3, r2.zeroed, "16 - k >= 4.8 units: 3 of the remaining 4 candidates");
        assertEquals(1 - 11 * UNIT, r2.macRatioAfter, 1e-12);
        assertEquals(0.0, unitNorm(net, 10), 0);
        assertTrue(unitNorm(net, 11) > 0, "the largest candidate is the one left");
        BudgetedZeroing.Result r2b = z.ration(net, 0.2);
        assertEquals(1, r2b.zeroed);
        assertEquals(12, z.getZeroedGroups());
        assertEquals(1 - 12 * UNIT, r2b.macRatioAfter, 1e-12);
        // a floor above the current fraction zeroes nothing
        BudgetedZeroing.Result r3 = z.ration(net, 0.99);
        assertEquals(0, r3.zeroed);
    }

    @Test
    void strengthFallsWithSurplusCandidatesAndRisesWithoutThem() {
        MultiLayerNetwork net = shrunk();
        MacBudgetController c = MacBudgetController.builder().target(0.9).byEpoch(1, 10).frequency(1).maxStep(0.2)
                .trajectory(MacBudgetController.Trajectory.LINEAR).budgetedZeroing(0.03).inputTypes(INPUT).build();
        c.iterationDone(net, 0, 0);
        MacBudgetController.Step s = c.getHistory().get(0);
        // reference 1, floor 0.9: one unit may go (16 - k >= 14.4); the 12 candidates would leave 25% -> λ down by the cap
        assertEquals(0.9, s.floor, 1e-12);
        assertEquals(12, s.candidates);
        assertEquals(1, s.zeroed);
        assertEquals(1 - UNIT, s.exactMacRatio, 1e-12);
        assertEquals(0.25, s.macRatio, 1e-12);
        assertEquals(1e-2 * Math.exp(-0.2), s.strengthScale, 1e-15);

        MultiLayerNetwork fresh = net(new NoOp(), 1e-2);
        MacBudgetController c2 = MacBudgetController.builder().target(0.9).byEpoch(1, 10).frequency(1).maxStep(0.2)
                .trajectory(MacBudgetController.Trajectory.LINEAR).budgetedZeroing(0.03).inputTypes(INPUT).build();
        c2.iterationDone(fresh, 0, 0);
        MacBudgetController.Step f = c2.getHistory().get(0);
        // no candidates: pending 1.0 against the band centre 0.95 -> λ up by 1/0.95
        assertEquals(0, f.candidates);
        assertEquals(0.95, f.target, 1e-12);
        assertEquals(1e-2 / 0.95, f.strengthScale, 1e-15);
    }

    @Test
    void badInputIsRefusedClearly() {
        IllegalArgumentException t0 = assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().target(0));
        assertTrue(t0.getMessage().contains("(0, 1]") && t0.getMessage().contains("0.0"), t0.getMessage());
        IllegalArgumentException t2 = assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().target(1.01));
        assertTrue(t2.getMessage().contains("1.01"), t2.getMessage());
        IllegalArgumentException ep = assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().byEpoch(0, 10));
        assertTrue(ep.getMessage().contains(">= 1") && ep.getMessage().contains("0"), ep.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().byEpoch(2, 0));
        assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().budgetedZeroing(0));
        assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().tolerance(1));
        assertThrows(IllegalArgumentException.class, () -> MacBudgetController.builder().maxSkips(-1));
        IllegalStateException both = assertThrows(IllegalStateException.class, () -> MacBudgetController.builder().target(0.2).byEpoch(1, 1)
                .lookahead(0.03).budgetedZeroing(0.03).inputTypes(INPUT).build());
        assertTrue(both.getMessage().contains("lookahead"), both.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BudgetedZeroing(0, 3, INPUT));
        assertTrue(e.getMessage().contains("candidateThreshold"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BudgetedZeroing(1.0, 3, INPUT));
        assertThrows(IllegalArgumentException.class, () -> new BudgetedZeroing(0.1, -1, INPUT));
        assertThrows(IllegalArgumentException.class, () -> new BudgetedZeroing(0.1, 1));
    }

    /** The controller with budgeted zeroing on a toy problem: never below the trajectory's floor, ends in the band. */
    @Test
    void controllerFollowsTheTrajectoryAndLandsInTheBand() {
        MultiLayerNetwork net = net(new Sgd(0.1), 0.05);
        double target = 0.4;
        MacBudgetController c = MacBudgetController.builder().target(target).byEpoch(1, 60).frequency(2).maxStep(0.2)
                .budgetedZeroing(0.05).inputTypes(INPUT).build();
        net.setListeners(c);
        DataSet d = data();
        for (int i = 0; i < 100; i++) {
            net.fit(d);
        }
        List<MacBudgetController.Step> h = c.getHistory();
        assertEquals(50, h.size());
        double previous = 1.0;
        for (MacBudgetController.Step s : h) {
            assertTrue(s.exactMacRatio >= s.floor - 1e-12, "iteration " + s.iteration + ": " + s.exactMacRatio + " below floor " + s.floor);
            assertTrue(s.exactMacRatio <= previous + 1e-12, "MACs never come back");
            previous = s.exactMacRatio;
        }
        // the strength pushed out more groups than the trajectory allowed at some point: the rationing did the work
        assertTrue(h.stream().anyMatch(s -> s.macRatio < s.floor), "no surplus of candidates ever: the test would not exercise the rationing");
        // and the strength fell while the surplus lasted
        assertTrue(h.get(h.size() - 1).strengthScale < h.stream().mapToDouble(s -> s.strengthScale).max().orElseThrow());
        double end = prunedRatio(net);
        assertTrue(end >= 0.8 * target && end <= target, "final pruned MAC fraction " + end + " not in [0.8, 1] x " + target);
        assertEquals(h.get(h.size() - 1).exactMacRatio, end, 1e-12);
    }

    /**
     * At budget λ stops growing: 11 candidates (norm 0.001..0.011, threshold 0.0115) and the floor (1 - 0.1)·0.32 allow
     * all 11 to go (1 - 11·UNIT = 0.3125 ≤ 0.32), the pending fraction 0.3125 is above the aim (1 - 0.05)·0.32 = 0.304,
     * which alone would raise λ; within the budget it is held.
     */
    @Test
    void atBudgetTheControllerNoLongerRaisesTheStrength() {
        for (boolean held : new boolean[]{false, true}) {
            MultiLayerNetwork net = shrunk();
            MacBudgetController.Builder b = MacBudgetController.builder().target(0.32).byEpoch(1, 10).frequency(1)
                    .budgetedZeroing(0.0115).tolerance(0.1).maxStep(0.1).inputTypes(INPUT);
            if (held) {
                b.budgetSlack(0.01);
            } else {
                b.budgetSlack(0.0).target(0.31);   // 0.3125 > 0.31: not at budget, aim 0.2945 -> λ grows
            }
            MacBudgetController c = b.build();
            c.iterationDone(net, 20, 2);   // progress 2: the reference is the target
            MacBudgetController.Step st = c.getHistory().get(0);
            assertEquals(11, st.zeroed);
            assertEquals(1 - 11 * UNIT, st.exactMacRatio, 1e-12);
            if (held) {
                assertTrue(c.getScale() <= 1.0, "at budget λ grew: scale " + c.getScale());
            } else {
                assertTrue(c.getScale() > 1.0, "below budget with pending MACs above the aim λ must grow: scale " + c.getScale());
            }
        }
    }
}
