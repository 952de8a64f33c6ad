package io.github.dl4jcompress.listeners.compress;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BranchDamage keeps the batches the training passes and measures the loss a branch's removal adds on them. */
class BranchDamageTest {

    @Test
    void damageIsTheLossTheZeroedBranchAddsOnTheLastTrainingBatches() {
        ComputationGraph net = TinyProblems.trainedResidualGraph();
        NormGroups.Branch branch = NormGroups.branches(net.getConfiguration()).get(0);
        DataSet data = TinyProblems.data(48, 5, true);   // 3 batches of 16: the last 2 are kept
        BranchDamage damage = new BranchDamage();
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void onBackwardPass(Model model) {
                damage.record(model);
            }
        });
        net.fit(new MultiDataSetIteratorAdapter(TinyProblems.batches(data, 16)));
        net.setListeners();
        assertEquals(2, damage.batches());

        ComputationGraph zeroed = net.clone();
        NormGroupLasso.zeroBranch(zeroed, branch);
        double expected = 0;
        for (DataSet b : List.of((DataSet) data.getRange(16, 32), (DataSet) data.getRange(32, 48))) {
            expected += (zeroed.score(b, false) - net.score(b, false)) / 2;
        }
        Map<NormGroups.Branch, Double> d = damage.update(net, List.of(branch));
        assertEquals(expected, d.get(branch), 1e-6);
        assertTrue(expected > 0, "removing the trained branch costs loss: " + expected);
        // smoothing: the same measurement again leaves the smoothed value where it is; the network is untouched
        assertEquals(expected, damage.update(net, List.of(branch)).get(branch), 1e-6);
        assertTrue(net.getParam("b_bn2_gamma").norm2Number().doubleValue() > 0, "the network itself was zeroed");
    }
}
