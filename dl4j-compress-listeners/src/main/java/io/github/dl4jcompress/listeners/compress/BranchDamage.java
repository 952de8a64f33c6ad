package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.prune.AnyNetwork;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What removing a residual branch costs, measured: on the last few training mini-batches (kept as the training passes
 * them), the loss of a copy with the branch zeroed minus the loss of the network, inference mode, averaged over the
 * batches and smoothed over calls (d ← (1 − α)·d + α·d_new, α = {@value #ALPHA}). Ranked depth zeroes the branch of
 * least damage first: the branches' relative norms under a λ held at λ0 barely differ, so that order was close to
 * arbitrary (ResNet-20 width 4, session 23: the first block of stage 3 went first).
 */
final class BranchDamage {

    static final double ALPHA = 0.5;
    private static final int BATCHES = 2;

    private final Deque<MultiDataSet> recent = new ArrayDeque<>();
    private final Map<NormGroups.Branch, Double> smoothed = new HashMap<>();

    /**
     * Keeps a copy of the mini-batch {@code model} is training on; call from {@code onBackwardPass} (a graph's output
     * layers hold the labels then, not in {@code iterationDone}); no-op if it has none.
     */
    void record(Model model) {
        MultiDataSet batch = currentBatch(model);
        if (batch != null) {
            recent.addLast(batch);
            while (recent.size() > BATCHES) {
                recent.removeFirst();
            }
        }
    }

    /** Number of batches recorded (at most {@value #BATCHES}). */
    int batches() {
        return recent.size();
    }

    /**
     * Updates and returns the smoothed damage of each branch of {@code branches} (empty when no batch was recorded).
     */
    Map<NormGroups.Branch, Double> update(Model model, Collection<NormGroups.Branch> branches) {
        Map<NormGroups.Branch, Double> out = new LinkedHashMap<>();
        if (recent.isEmpty()) {
            return out;
        }
        AnyNetwork net = AnyNetwork.of(model);
        double base = loss(net);
        for (NormGroups.Branch br : branches) {
            AnyNetwork copy = net.copy();
            NormGroupLasso.zeroBranch(copy.model(), br);
            double d = loss(copy) - base;
            out.put(br, smoothed.merge(br, d, (old, now) -> (1 - ALPHA) * old + ALPHA * now));
        }
        return out;
    }

    /** Mean inference-mode loss over the recorded batches. */
    double loss(AnyNetwork net) {
        double sum = 0;
        for (MultiDataSet b : recent) {
            sum += net.isGraph() ? ((ComputationGraph) net.model()).score(b, false)
                    : ((MultiLayerNetwork) net.model()).score(new org.nd4j.linalg.dataset.DataSet(b.getFeatures(0), b.getLabels(0)), false);
        }
        return sum / recent.size();
    }

    /** The features and labels {@code model} holds during an iteration (copies), or null. */
    private static MultiDataSet currentBatch(Model model) {
        if (model instanceof ComputationGraph g) {
            INDArray[] in = g.getInputs();
            INDArray[] labels = new INDArray[g.getNumOutputArrays()];
            for (int i = 0; i < labels.length; i++) {
                org.deeplearning4j.nn.api.Layer out = g.getOutputLayer(i);
                labels[i] = out instanceof IOutputLayer o ? o.getLabels() : null;
            }
            if (in == null || java.util.Arrays.stream(in).anyMatch(a -> a == null) || java.util.Arrays.stream(labels).anyMatch(a -> a == null)) {
                return null;
            }
            return new MultiDataSet(copies(in), copies(labels));
        }
        if (model instanceof MultiLayerNetwork n && n.getInput() != null && n.getLabels() != null) {
            return new MultiDataSet(copies(n.getInput())[0], copies(n.getLabels())[0]);
        }
        return null;
    }

    /** Copies outside any workspace (the arrays may live in DL4J's training workspace). */
    private static INDArray[] copies(INDArray... arrays) {
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = org.nd4j.linalg.factory.Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return java.util.Arrays.stream(arrays).map(INDArray::dup).toArray(INDArray[]::new);
        }
    }
}
