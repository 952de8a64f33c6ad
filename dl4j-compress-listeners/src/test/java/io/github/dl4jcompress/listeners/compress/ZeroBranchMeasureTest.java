package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.listeners.BudgetedZeroing;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The procedure's MAC measure counts a zeroed residual branch as removed, as the pruner's zero-branch finder removes
 * it (session 21: the controller read 100% while the pruned ResNet-20 had 71.5%, and kept raising λ).
 */
class ZeroBranchMeasureTest {

    private static long prunedMacs(ComputationGraph net) {
        return AnyNetwork.of(net).prune(StructuredPruner.builder().threshold(0).build()).network().cost(new CostModel(), TinyProblems.IMAGE).getMacs();
    }

    /** What DL4J's update does to a zeroed branch: γ has a gradient, momentum moves W; the branch is live again. */
    private static void revive(ComputationGraph net) {
        Nd4j.getRandom().setSeed(1);
        for (String p : List.of("b_conv2_W", "b_bn2_gamma", "b_bn2_beta")) {
            net.setParam(p, Nd4j.rand(net.getParam(p).dataType(), net.getParam(p).shape()).muli(1e-3));
        }
    }

    @Test
    void aBranchZeroedByTheNormGroupsCountsAsRemovedEvenAfterAnUpdateRevivedIt() {
        ComputationGraph net = TinyProblems.trainedResidualGraph();
        NormGroups.Branch branch = NormGroups.branches(net.getConfiguration()).get(0);
        long dense = AnyNetwork.of(net).cost(new CostModel(), TinyProblems.IMAGE).getMacs();
        ComputationGraph zeroed = net.clone();
        NormGroupLasso.zeroBranch(zeroed, branch);
        double expected = (double) prunedMacs(zeroed) / dense;
        assertTrue(expected < 0.6, "the branch is most of the graph's MACs: " + expected);

        NormGroupLasso.zeroBranch(net, branch);
        revive(net);
        BudgetedZeroing unaware = new BudgetedZeroing(0.05, 3, TinyProblems.IMAGE);
        assertEquals(1.0, unaware.ration(net.clone(), 0.0).macRatioBefore, 0, "a revived branch is live for the pruner");

        BudgetedZeroing measure = new BudgetedZeroing(0.05, 3, TinyProblems.IMAGE);
        measure.keepZeroedBy(m -> NormGroupLasso.zeroBranch(m, branch));
        BudgetedZeroing.Result r = measure.ration(net, 0.0);
        assertEquals(expected, r.macRatioBefore, 1e-12);
        assertEquals(expected, r.macRatioAfter, 1e-12);
        assertEquals(expected, (double) prunedMacs(net) / dense, 1e-12, "measure == MACs of the actually pruned live network");
        revive(net);
        measure.reapply(net);
        assertEquals(0.0, net.getParam("b_bn2_gamma").amaxNumber().doubleValue(), 0, "reapply re-zeroes the branch");
    }

    /**
     * Through the procedure (DEPTH only, budget 53%: the block is 48% of the MACs): the controller's history sees the
     * branch go (it read 100% to the end before), λ never grows above λ0 (ranked depth), in particular not at budget.
     */
    @Test
    void theControllerSeesTheRemovedBranchAndHoldsTheStrengthAtBudget() {
        ComputationGraph net = TinyProblems.trainedResidualGraph();
        CompressionResult<ComputationGraph> r = SslCompression.builder().targetMacFraction(0.53).sslEpochs(4).finetuneEpochs(1).frequency(3)
                .maxStep(0.1).initialStrength(0.3).maxAccuracyDrop(0.5).lowering(false).latencyRepeats(2).latencyBatch(8).seed(3)
                .measureOverhead(false).maxRounds(1).groups(GroupKind.DEPTH).inputTypes(TinyProblems.IMAGE).build()
                .compress(net, TinyProblems.batches(TinyProblems.data(240, 1, true), 16), TinyProblems.batches(TinyProblems.data(90, 2, true), 30));
        CompressionReport rep = r.report();
        CompressionReport.Round round = rep.rounds.get(0);
        assertEquals(1, round.branchesZeroed, "the tiny problem's branch is zeroed by the norm groups");
        List<CompressionReport.Step> h = rep.history;
        CompressionReport.Step last = h.get(h.size() - 1);
        assertEquals(round.macFraction, last.macFraction, 1e-12, "the controller's last reading is the pruned network's MACs");
        int reached = -1;
        for (int i = 0; i < h.size(); i++) {
            if (h.get(i).macFraction <= 0.53 * 1.05) {
                reached = i;
                break;
            }
        }
        assertTrue(reached >= 0, "budget never seen");
        // DEPTH alone: the branches are ranked along the floor and λ is held at or below λ0 (rankedDepth)
        for (CompressionReport.Step st : h) {
            assertTrue(st.strength <= h.get(0).strength * (1 + 1e-12), "λ grew above λ0 at iteration " + st.iteration);
        }
        for (int i = reached + 1; i < h.size(); i++) {
            assertTrue(h.get(i).strength <= h.get(i - 1).strength * (1 + 1e-12), "λ grew at budget: step " + i + " " + h.get(i).strength);
        }
    }
}
