package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.listeners.MacBudgetController;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ranked batch-norm filters (the VGG rule, session 23): the filters of batch-norm-coupled layers are zeroed smallest
 * relative (γ, β) norm first along the MAC floor, never a layer's last, and λ is held at or below λ0 — so the kept
 * filters are not shrunk to death on the way to the budget.
 */
class RankedNormFiltersTest {

    /** conv-BN-ReLU ×2 ({@code width} filters each), GAP, dense 6, softmax 3: every conv is batch-norm-coupled. */
    private static MultiLayerNetwork bnNet(int width) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Nesterovs(0.02, 0.9))
                .weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(width).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn1").build())
                .layer(new ActivationLayer.Builder().name("relu1").activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(width).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn2").build())
                .layer(new ActivationLayer.Builder().name("relu2").activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new DenseLayer.Builder().name("fc").nOut(6).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(TinyProblems.FLAT).build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    private static double prunedFraction(MultiLayerNetwork n) {
        AnyNetwork any = AnyNetwork.of(n);
        long dense = any.cost(TinyProblems.FLAT).getMacs();
        return (double) any.prune(StructuredPruner.builder().threshold(0.0).trial().build()).network().cost(TinyProblems.FLAT).getMacs() / dense;
    }

    private static List<String> zeroedFilters(MultiLayerNetwork n) {
        List<String> out = new ArrayList<>();
        for (String bn : new String[]{"bn1", "bn2"}) {
            INDArray g = n.getLayer(bn).getParam("gamma");
            for (int f = 0; f < g.length(); f++) {
                if (g.getDouble(f) == 0 && n.getLayer(bn).getParam("beta").getDouble(f) == 0) {
                    out.add(bn + "/" + f);
                }
            }
        }
        return out;
    }

    /** One rationing at the target's iteration: floor (1 − τ)·target, with none of the filters below the candidate threshold. */
    private static MultiLayerNetwork rationOnce(boolean ranked, MacBudgetController controller) {
        MultiLayerNetwork n = bnNet(4);
        n.getLayer("bn1").getParam("gamma").assign(Nd4j.createFromArray(1.0f, 0.2f, 0.5f, 0.9f));
        n.getLayer("bn2").getParam("gamma").assign(Nd4j.createFromArray(0.3f, 1.0f, 0.25f, 0.8f));
        NormGroupLasso norms = new NormGroupLasso(NormGroups.coupled(n.getLayerWiseConfigurations()), List.of(), controller, 1e-4, 0.05,
                10, 10, new InputType[]{TinyProblems.FLAT}, 6, true).rankFilters(ranked);
        norms.iterationDone(n, 10, 0);
        return n;
    }

    @Test
    void rankedRationingZeroesTheSmallestFiltersDownToTheFloorAndKeepsEachLayersLargest() {
        MacBudgetController controller = MacBudgetController.builder().target(0.3).byEpoch(1, 10).budgetedZeroing(0.05)
                .inputTypes(TinyProblems.FLAT).build();
        double floor = (1 - controller.getTolerance()) * 0.3;
        MultiLayerNetwork n = rationOnce(true, controller);
        List<String> zeroed = zeroedFilters(n);
        double r = prunedFraction(n);
        assertTrue(r >= floor - 1e-9, "pruned MAC fraction " + r + " below the floor " + floor);
        assertTrue(r < 0.6, "the ranking should have zeroed down towards the floor " + floor + ": " + r + ", zeroed " + zeroed);
        // relative norms (γ / largest γ of the layer): bn1 0.2, 0.5, 0.9; bn2 0.25, 0.3, 0.8 — the zeroed ones are a prefix
        List<String> order = List.of("bn1/1", "bn2/2", "bn2/0", "bn1/2", "bn2/3", "bn1/3");
        List<String> expected = order.subList(0, zeroed.size());
        assertEquals(expected.stream().sorted().toList(), zeroed.stream().sorted().toList(), "smallest relative norm first");
        assertTrue(!zeroed.contains("bn1/0") && !zeroed.contains("bn2/1"), "a layer's largest filter is never zeroed: " + zeroed);
        // the filter's weights and bias go with its norm channel
        assertEquals(0.0, n.getLayer("conv1").getParam("W").get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).amaxNumber().doubleValue(), 0);
    }

    @Test
    void withoutRankingNoFilterAboveTheCandidateThresholdIsZeroed() {
        MacBudgetController controller = MacBudgetController.builder().target(0.3).byEpoch(1, 10).budgetedZeroing(0.05)
                .inputTypes(TinyProblems.FLAT).build();
        MultiLayerNetwork n = rationOnce(false, controller);
        assertEquals(List.of(), zeroedFilters(n), "candidate-only: λ has to shrink a filter below 5% of its layer's largest first");
    }

    /**
     * The procedure on a batch-norm net: the budget is reached and the kept filters keep their batch-norm scale (the
     * sparse network still classifies). With candidate-only zeroing ({@code rankedZeroing(0)}, the session-22
     * behaviour) λ had to grow until filters fell below the threshold, and the kept ones shrank with them.
     */
    @Test
    void aBatchNormNetReachesTheBudgetAndKeepsItsKeptFiltersScale(@TempDir File dir) throws IOException {
        MultiLayerNetwork net = bnNet(8);
        net.fit(TinyProblems.batches(TinyProblems.data(240, 1, false), 16), 4);
        INDArray before = net.params().dup();
        CompressionReport ranked = compress(net, 0.1, new File(dir, "ranked"));
        assertEquals(before, net.params(), "the input network changed");
        CompressionReport.Round round = ranked.rounds.get(0);
        double keptRanked = keptNormRatio(net, new File(dir, "ranked"));
        CompressionReport candidateOnly = compress(net, 0, new File(dir, "candidates"));
        double keptCandidates = keptNormRatio(net, new File(dir, "candidates"));
        assertTrue(round.macFraction <= 0.4 * 1.05, "budget: " + round.macFraction);
        assertTrue(round.normFiltersZeroed > 0);
        assertTrue(round.sparseAccuracy > 0.6, "the sparse network should still classify (3 classes): " + round.sparseAccuracy);
        assertTrue(keptRanked > 0.5, "kept filters' ‖(γ, β)‖ fell to " + keptRanked + " of the input's");
        assertTrue(keptCandidates < keptRanked, "candidate-only " + keptCandidates + " vs ranked " + keptRanked);
    }

    private static CompressionReport compress(MultiLayerNetwork net, double rankedLead, File dir) {
        return SslCompression.builder().targetMacFraction(0.4).sslEpochs(4).finetuneEpochs(1).frequency(3).maxStep(0.1).initialStrength(2e-2)
                .maxAccuracyDrop(0.5).lowering(false).measureOverhead(false).lowerTraining(false).latencyRepeats(1).latencyBatch(8).seed(3)
                .maxRounds(1).tolerance(0.2).normGroupsAtWeightRate(true).rankedZeroing(rankedLead).checkpointDir(dir)
                .inputTypes(TinyProblems.FLAT).build()
                .compress(net, TinyProblems.batches(TinyProblems.data(240, 1, false), 16), TinyProblems.batches(TinyProblems.data(90, 2, false), 30))
                .report();
    }

    /** Mean ‖(γ_f, β_f)‖ of the filters the sparsify phase kept (its checkpoint), over the same filters' mean in the input. */
    private static double keptNormRatio(MultiLayerNetwork input, File dir) throws IOException {
        MultiLayerNetwork sparse = ModelSerializer.restoreMultiLayerNetwork(new File(dir, "sparsify-1.zip"), false);
        double kept = 0;
        double start = 0;
        for (String bn : new String[]{"bn1", "bn2"}) {
            INDArray g = sparse.getLayer(bn).getParam("gamma");
            INDArray b = sparse.getLayer(bn).getParam("beta");
            INDArray g0 = input.getLayer(bn).getParam("gamma");
            INDArray b0 = input.getLayer(bn).getParam("beta");
            for (int f = 0; f < g.length(); f++) {
                if (g.getDouble(f) != 0 || b.getDouble(f) != 0) {
                    kept += Math.hypot(g.getDouble(f), b.getDouble(f));
                    start += Math.hypot(g0.getDouble(f), b0.getDouble(f));
                }
            }
        }
        return kept / start;
    }
}
