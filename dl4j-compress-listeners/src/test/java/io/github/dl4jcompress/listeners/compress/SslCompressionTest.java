package io.github.dl4jcompress.listeners.compress;

import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SslCompressionTest {

    private static SslCompression.Builder quick(double target) {
        return SslCompression.builder().targetMacFraction(target).sslEpochs(4).finetuneEpochs(2).frequency(3)
                .maxStep(0.1).initialStrength(2e-2).maxAccuracyDrop(0.5).lowering(false).latencyRepeats(2).latencyBatch(8).seed(3);
    }

    private static void assertWithinBudget(CompressionReport r, double target, double lowest) {
        CompressionReport.Round round = r.rounds.get(r.rounds.size() - 1);
        assertTrue(round.macFraction <= target * 1.05, "MAC fraction " + round.macFraction + " above the target " + target);
        assertTrue(round.macFraction >= lowest, "MAC fraction " + round.macFraction + " far below the target " + target);
        assertEquals(round.macFraction, r.result.macFraction, 1e-9, "fine-tuning keeps the pruned structure");
        assertTrue(r.budgetMet, r.status);
        assertTrue(round.prunedMaxAbsDiff < 1e-3, "pruned == sparse: " + round.prunedMaxAbsDiff);
    }

    /**
     * The controller's last MAC measure equals the exactly pruned network's: the batch-norm groups' zeroing, undone by
     * each parameter update, is set back before the controller measures (session 22: on VGG it read 77% while the
     * pruned network had 24%).
     */
    private static void assertControllerSeesTheNormZeroing(CompressionReport r) {
        CompressionReport.Round round = r.rounds.get(0);
        CompressionReport.Step last = r.history.stream().filter(st -> st.round == 1).reduce((a, b) -> b).orElseThrow();
        assertEquals(round.macFraction, last.macFraction, 1e-6, "controller's last measure vs the pruned network");
    }

    @Test
    void multiLayerNetworkReachesTheMacBudgetAndTheInputIsUntouched() {
        MultiLayerNetwork net = TinyProblems.trainedMln();
        INDArray params = net.params().dup();
        String conf = net.getLayerWiseConfigurations().toJson();
        INDArray updater = net.getUpdater().getStateViewArray().dup();
        CompressionResult<MultiLayerNetwork> r = quick(0.4).inputTypes(TinyProblems.FLAT).build()
                .compress(net, TinyProblems.batches(TinyProblems.data(240, 1, false), 16), TinyProblems.batches(TinyProblems.data(90, 2, false), 30),
                        TinyProblems.batches(TinyProblems.data(90, 9, false), 30));
        // the controller's band [(1 - τ)·target, target], τ = 0.1, with 10% slack below and 5% above
        assertWithinBudget(r.report(), 0.4, (1 - 0.1) * 0.4 * 0.9);
        assertNotSame(net, r.network());
        assertEquals(params, net.params(), "the input's parameters changed");
        assertEquals(updater, net.getUpdater().getStateViewArray(), "the input's updater state changed");
        assertEquals(conf, net.getLayerWiseConfigurations().toJson(), "the input's configuration changed");
        assertTrue(r.network().numParams() < net.numParams());
        assertTrue(r.report().result.testAccuracy != null && r.report().overhead != null && r.report().speedup != null);
        assertFalse(r.report().history.isEmpty());
    }

    @Test
    void graphWithAResidualBlockReachesTheMacBudgetFromMultiDataSets() {
        ComputationGraph net = TinyProblems.trainedResidualGraph();
        INDArray params = net.params().dup();
        CompressionResult<ComputationGraph> r = quick(0.5).inputTypes(TinyProblems.IMAGE).build()
                .compress(net, new MultiDataSetIteratorAdapter(TinyProblems.batches(TinyProblems.data(240, 1, true), 16)),
                        new MultiDataSetIteratorAdapter(TinyProblems.batches(TinyProblems.data(90, 2, true), 30)));
        // The same band as the MLN's. Until session 22 the controller did not see the batch-norm groups' and the branch's
        // zeroing (each update revived them before it measured: it read 100% while the pruned copy had 60%) and this run
        // ended at 36% for a 50% target; with the norm groups first and the measure re-zeroing them it ends at 51.5%.
        assertWithinBudget(r.report(), 0.5, (1 - 0.1) * 0.5 * 0.9);
        assertEquals(params, net.params(), "the input's parameters changed");
        assertEquals(1, r.report().baseline.blocks);
        assertControllerSeesTheNormZeroing(r.report());
    }

    @Test
    void aResumedRunEqualsAnUninterruptedOne(@TempDir File dir) {
        Supplier<DataSet> train = () -> TinyProblems.data(240, 1, false);
        MultiLayerNetwork net = TinyProblems.trainedMln();
        File a = new File(dir, "a");
        File b = new File(dir, "b");
        MultiLayerNetwork whole = quick(0.4).inputTypes(TinyProblems.FLAT).checkpointDir(a).build()
                .compress(net, TinyProblems.batches(train.get(), 16), null).network();
        for (String stop : new String[]{"control", "prune-1"}) {
            SslCompression.StoppedForTest killed = assertThrows(SslCompression.StoppedForTest.class, () -> quick(0.4)
                    .inputTypes(TinyProblems.FLAT).checkpointDir(b).resume(!stop.equals("control")).stopAfter(stop).build()
                    .compress(net, TinyProblems.batches(train.get(), 16), null));
            assertTrue(killed.getMessage().contains(stop));
        }
        assertTrue(new File(b, "prune-1.zip").isFile() && !new File(b, "finetune.zip").exists());
        CompressionResult<MultiLayerNetwork> resumed = quick(0.4).inputTypes(TinyProblems.FLAT).checkpointDir(b).resume(true).build()
                .compress(net, TinyProblems.batches(train.get(), 16), null);
        assertEquals(whole.params(), resumed.network().params(), "resumed run differs from the uninterrupted one");
        assertTrue(resumed.report().completed.contains("final"));
        // another problem in the same directory is refused, not silently mixed
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> quick(0.3).inputTypes(TinyProblems.FLAT)
                .checkpointDir(b).resume(true).build().compress(net, TinyProblems.batches(train.get(), 16), null));
        assertTrue(e.getMessage().contains("another network"), e.getMessage());
    }

    @Test
    void theStopRuleIsRespected() {
        MultiLayerNetwork net = TinyProblems.trainedMln();
        // an extreme budget with no accuracy loss allowed: the procedure must back off, never return a worse network
        CompressionResult<MultiLayerNetwork> r = quick(0.06).maxAccuracyDrop(0.0).maxBackoffs(1).inputTypes(TinyProblems.FLAT).build()
                .compress(net, TinyProblems.batches(TinyProblems.data(240, 1, false), 16), TinyProblems.batches(TinyProblems.data(90, 2, false), 30));
        CompressionReport rep = r.report();
        double best = Math.max(rep.baseline.accuracy, rep.control.accuracy);
        if (best - rep.compressed.accuracy > 0) {
            assertTrue(rep.backedOff, "lost accuracy but did not back off");
            assertTrue(rep.notes.stream().anyMatch(n -> n.startsWith("stop rule")), rep.notes.toString());
            // a back-off (more MACs) meets the budget only if its own MAC fraction is still within the budget's 5% slack
            boolean within = rep.result.macFraction <= 0.06 * 1.05;
            assertEquals(within, rep.budgetMet, "result MAC fraction " + rep.result.macFraction);
            assertEquals(within, !rep.status.startsWith("not met"), rep.status);
        }
        assertTrue(best - rep.result.accuracy <= 1e-9, "result accuracy " + rep.result.accuracy + " below " + best);
        assertTrue(rep.dropMet);
    }

    @Test
    void badInputIsRejectedNamingWhatIsWrong() {
        MultiLayerNetwork net = TinyProblems.trainedMln();
        SslCompression ok = quick(0.4).inputTypes(TinyProblems.FLAT).build();
        assertMessage(IllegalArgumentException.class, "(0, 1]", () -> SslCompression.builder().targetMacFraction(0));
        assertMessage(IllegalArgumentException.class, "(0, 1]", () -> SslCompression.builder().targetMacFraction(1.5));
        assertMessage(IllegalArgumentException.class, "milliseconds", () -> CompressionBudget.latencyMs(-1, 64));
        assertMessage(IllegalArgumentException.class, "maxAccuracyDrop", () -> SslCompression.builder().maxAccuracyDrop(Double.NaN));
        assertMessage(IllegalStateException.class, "inputTypes", () -> SslCompression.builder().targetMacFraction(0.5).build());
        assertMessage(IllegalStateException.class, "checkpointDir", () -> quick(0.5).inputTypes(TinyProblems.FLAT).resume(true).build());
        assertMessage(IllegalArgumentException.class, "null", () -> ok.compress((MultiLayerNetwork) null, TinyProblems.batches(TinyProblems.data(30, 1, false), 10), null));
        MultiLayerNetwork uninitialised = new MultiLayerNetwork(net.getLayerWiseConfigurations().clone());
        assertMessage(IllegalArgumentException.class, "not initialised", () -> ok.compress(uninitialised, TinyProblems.batches(TinyProblems.data(30, 1, false), 10), null));
        DataSet wrongShape = new DataSet(Nd4j.rand(30, 10), TinyProblems.data(30, 1, false).getLabels());
        assertMessage(IllegalArgumentException.class, "do not fit the network's input", () -> ok.compress(net, TinyProblems.batches(wrongShape, 10), null));
        DataSet wrongLabels = new DataSet(TinyProblems.data(30, 1, false).getFeatures(), Nd4j.zeros(30, 5));
        assertMessage(IllegalArgumentException.class, "labels of shape", () -> ok.compress(net, TinyProblems.batches(wrongLabels, 10), null));
        DataSet nan = TinyProblems.data(30, 1, false);
        nan.getFeatures().putScalar(3, Double.NaN);
        assertMessage(IllegalArgumentException.class, "NaN", () -> ok.compress(net, TinyProblems.batches(nan, 10), null));
        assertMessage(IllegalArgumentException.class, "unreachable budget", () -> quick(1e-4).inputTypes(TinyProblems.FLAT).build()
                .compress(net, TinyProblems.batches(TinyProblems.data(60, 1, false), 10), null));
    }

    private static void assertMessage(Class<? extends Throwable> type, String part, org.junit.jupiter.api.function.Executable call) {
        Throwable t = assertThrows(type, call);
        assertTrue(t.getMessage().contains(part), "expected '" + part + "' in: " + t.getMessage());
    }
}
