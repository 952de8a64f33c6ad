package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.prune.AnyNetwork;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 20 excluded graphs from lowered training because "the lowered-then-restored fine-tuned network counted more
 * MACs than the pruned one" on the residual test graph. Not the lowering: at that commit's parent (3f2104c^) the graph
 * test fails identically with lowered training forced off (fine-tuned 68.8% vs pruned 49.2% MACs either way); it was
 * the ranked zeroing on batch-norm graphs, which that commit turned off. What lowering did change on graphs: the
 * iteration and epoch counts were lost (ComputationGraphConfiguration.clone drops them), now kept by AnyNetwork.
 * <p>
 * The procedure's plain phases (control, fine-tuning) on a ComputationGraph with batch norm and a residual block,
 * trained on the lowered layers: the restored network is DL4J's again, keeps the pruned structure (its MACs are the
 * pruned network's), and equals the run on DL4J's layers up to float summation order.
 */
class LoweredGraphTrainingTest {

    private static CompressionResult<ComputationGraph> run(ComputationGraph net, boolean lowered) {
        SslCompression.Builder b = SslCompression.builder().targetMacFraction(0.5).sslEpochs(4).finetuneEpochs(2).frequency(3)
                .maxStep(0.1).initialStrength(2e-2).maxAccuracyDrop(0.5).lowering(false).measureOverhead(false).latencyRepeats(2)
                .latencyBatch(8).seed(3).inputTypes(TinyProblems.IMAGE);
        b = lowered ? b.lowerTrainingUntimed() : b.lowerTraining(false);
        return b.build().compress(net, new MultiDataSetIteratorAdapter(TinyProblems.batches(TinyProblems.data(240, 1, true), 16)),
                new MultiDataSetIteratorAdapter(TinyProblems.batches(TinyProblems.data(90, 2, true), 30)));
    }

    @Test
    void loweringAndRestoringAGraphChangesNothing() {
        AnyNetwork net = AnyNetwork.of(TinyProblems.trainedResidualGraph());
        AnyNetwork lowered = net.lowered();
        assertNotEquals(net.configurationJson(), lowered.configurationJson(), "nothing was lowered");
        // a ComputationGraphConfiguration's clone drops the counters; the lowered graph restarted its schedules at 0
        assertTrue(net.iterationCount() > 0);
        assertEquals(net.iterationCount(), lowered.iterationCount(), "iteration count");
        assertEquals(net.epochCount(), lowered.epochCount(), "epoch count");
        AnyNetwork back = lowered.restored();
        assertEquals(net.configurationJson(), back.configurationJson());
        assertEquals(net.model().params(), back.model().params());
        assertEquals(net.updaterState(), back.updaterState());
    }

    @Test
    void fineTuningOnLoweredLayersKeepsThePrunedStructureAndMatchesDl4jLayers() {
        ComputationGraph net = TinyProblems.trainedResidualGraph();
        CompressionResult<ComputationGraph> lowered = run(net, true);
        CompressionReport r = lowered.report();
        assertEquals(Boolean.TRUE, r.loweredTraining);
        // control, Group Lasso phase and fine-tuning all trained on the lowered layers (the graph's sparsify phase too),
        // so the overhead is a ratio of times on the same layers
        for (CompressionReport.Phase p : r.phases) {
            if (p.secondsPerIteration != null) {
                assertEquals(Boolean.TRUE, p.lowered, "phase " + p.name + " trained on the lowered layers");
            }
        }
        assertTrue(r.phases.stream().anyMatch(p -> p.name.startsWith("sparsify")), "a Group Lasso phase ran");
        assertNotNull(r.overhead, "overhead from phases on the same layers");
        CompressionReport.Round round = r.rounds.get(r.rounds.size() - 1);
        assertEquals(round.macFraction, r.result.macFraction, 1e-9, "fine-tuning keeps the pruned structure");
        assertEquals(AnyNetwork.of(lowered.network()).configurationJson(), AnyNetwork.of(lowered.network()).restored().configurationJson(),
                "the result is on DL4J's layers");

        CompressionResult<ComputationGraph> plain = run(net, false);
        assertEquals(Boolean.FALSE, plain.report().loweredTraining);
        INDArray a = lowered.network().params();
        INDArray p = plain.network().params();
        assertEquals(p.length(), a.length());
        double rel = a.sub(p).norm2Number().doubleValue() / p.norm2Number().doubleValue();
        // every phase (Group Lasso included, since this session) sums in another float order on the lowered layers:
        // the same structure, parameters apart by float rounding carried through ~10 epochs (1.03e-3 measured)
        assertEquals(plain.report().result.macFraction, r.result.macFraction, 1e-12, "the same structure either way");
        assertTrue(rel < 5e-3, "lowered vs DL4J's layers: relative parameter difference " + rel);
    }
}
