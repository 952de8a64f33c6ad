package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.prune.AnyNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.File;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Group Lasso phase on the lowered layers zeroes the same groups as on DL4J's own: the same seeded run stopped after
 * sparsify, once on DL4J's layers and once lowered (regularizers, budgeted zeroing, the controller's trial prunes and
 * MAC measure all reading the lowered network), gives the same zeroed groups, MAC fractions per epoch and parameters
 * to float tolerance (the lowered GEMM sums in another order), and its checkpoints hold DL4J's layers.
 */
class SparsifyLoweredTest {

    private static SslCompression.Builder settings(boolean lowered) {
        SslCompression.Builder b = SslCompression.builder().targetMacFraction(0.4).sslEpochs(4).finetuneEpochs(0).frequency(3)
                .maxStep(0.1).initialStrength(2e-2).maxAccuracyDrop(0.5).lowering(false).measureOverhead(false)
                .inputTypes(TinyProblems.FLAT).seed(3).lowerTraining(lowered).stopAfter("sparsify-1");
        return lowered ? b.alwaysLoweredForTest() : b;
    }

    private static CompressionReport runUntilSparse(MultiLayerNetwork net, boolean lowered, File dir) throws IOException {
        assertThrows(SslCompression.StoppedForTest.class, () -> settings(lowered).checkpointDir(dir).build()
                .compress(net, TinyProblems.batches(TinyProblems.data(240, 1, false), 16), TinyProblems.batches(TinyProblems.data(90, 2, false), 30)));
        return new Checkpoints(dir, false).loadReport();
    }

    private static MultiLayerNetwork load(File dir, String step) throws IOException {
        MultiLayerNetwork n = (MultiLayerNetwork) new Checkpoints(dir, false).load(step).model();
        for (Layer l : n.getLayers()) {
            assertFalse(l.conf().getLayer().getClass().getSimpleName().startsWith("Lowered"),
                    step + ": checkpoint holds " + l.conf().getLayer().getClass().getSimpleName());
        }
        return n;
    }

    @Test
    void loweredSparsifyZeroesTheSameGroupsAndCheckpointsDl4jLayers(@TempDir File dir) throws IOException {
        assertSameSparsification(TinyProblems.trainedMln(), dir);
    }

    /** With batch norm: the filters are grouped by the norms' (γ, β) ({@link NormGroupLasso}), also on the lowered norms. */
    @Test
    void loweredSparsifyWithBatchNormZeroesTheSameFilters(@TempDir File dir) throws IOException {
        assertSameSparsification(TinyProblems.trainedMlnWithBatchNorm(), dir);
    }

    private static void assertSameSparsification(MultiLayerNetwork net, File dir) throws IOException {
        File plainDir = new File(dir, "plain");
        File loweredDir = new File(dir, "lowered");
        CompressionReport plain = runUntilSparse(net, false, plainDir);
        CompressionReport lowered = runUntilSparse(net, true, loweredDir);

        assertEquals(Boolean.FALSE, plain.loweredTraining);
        assertEquals(Boolean.TRUE, lowered.loweredTraining);
        CompressionReport.Phase sparsePlain = plain.phases.stream().filter(p -> p.name.equals("sparsify-1")).findFirst().orElseThrow();
        CompressionReport.Phase sparseLowered = lowered.phases.stream().filter(p -> p.name.equals("sparsify-1")).findFirst().orElseThrow();
        assertEquals(Boolean.FALSE, sparsePlain.lowered);
        assertEquals(Boolean.TRUE, sparseLowered.lowered, "the Group Lasso phase trained on the lowered layers");

        CompressionReport.Round a = plain.rounds.get(0);
        CompressionReport.Round b = lowered.rounds.get(0);
        assertTrue(a.groupsZeroed + a.normFiltersZeroed > 0, "the run zeroed groups: " + a.groupsZeroed + " + " + a.normFiltersZeroed);
        assertEquals(a.groupsZeroed, b.groupsZeroed, "groups zeroed");
        assertEquals(a.normFiltersZeroed, b.normFiltersZeroed, "batch-norm filters zeroed");
        assertEquals(a.epochMacFractions, b.epochMacFractions, "MAC fraction after each epoch");
        assertEquals(a.macFraction, b.macFraction, 1e-12);
        assertEquals(plain.history.size(), lowered.history.size());
        for (int i = 0; i < plain.history.size(); i++) {
            assertEquals(plain.history.get(i).macFraction, lowered.history.get(i).macFraction, 1e-12, "controller update " + i);
            assertEquals(plain.history.get(i).strength, lowered.history.get(i).strength, 1e-6 * plain.history.get(i).strength,
                    "λ at controller update " + i);
        }

        MultiLayerNetwork sa = load(plainDir, "sparsify-1");
        MultiLayerNetwork sb = load(loweredDir, "sparsify-1");
        assertEquals(sa.getLayerWiseConfigurations().toJson(), sb.getLayerWiseConfigurations().toJson(), "checkpoint configurations");
        INDArray pa = sa.params();
        INDArray pb = sb.params();
        assertEquals(pa.eq(0.0), pb.eq(0.0), "the same weights are exactly zero");
        double diff = pa.sub(pb).amaxNumber().doubleValue();
        double scale = pa.amaxNumber().doubleValue();
        assertTrue(diff <= 1e-4 * scale, "parameters after Group Lasso differ by " + diff + " (largest " + scale + ")");
        // the epoch checkpoints (the stop rule's back-off candidates) are restored too, and equal
        for (int e = 0; e < 4; e++) {
            INDArray ea = load(plainDir, "epoch-1-" + e).params();
            INDArray eb = load(loweredDir, "epoch-1-" + e).params();
            assertEquals(ea.eq(0.0), eb.eq(0.0), "epoch " + e + " zero pattern");
        }
        // and both prune to the same network
        assertEquals(AnyNetwork.of(sa).cost(TinyProblems.FLAT).getMacs(), AnyNetwork.of(sb).cost(TinyProblems.FLAT).getMacs());
    }
}
