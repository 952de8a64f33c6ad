package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.prune.AnyNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Fine-tuning with the zeros kept: the weights ({@code W}) that are exactly 0 when the listener is created stay 0 after
 * every update ({@code W ← W ⊙ 1[W₀ ≠ 0]}), so the structures the pruner could not remove (e.g. kernel shapes of a
 * convolution DL4J runs densely) remain removable and the measured MACs stay what the sparse network earned.
 */
final class KeepZeros extends BaseTrainingListener {

    private final List<INDArray> masks = new ArrayList<>();
    private final List<Integer> positions = new ArrayList<>();

    KeepZeros(Model model) {
        Layer[] all = layers(model);
        for (int i = 0; i < all.length; i++) {
            INDArray w = all[i].paramTable().get("W");
            if (w != null && w.eq(0.0).any()) {
                masks.add(w.neq(0.0).castTo(w.dataType()));
                positions.add(i);
            }
        }
    }

    /** Number of layers with at least one zero weight kept. */
    int maskedLayers() {
        return masks.size();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        Layer[] all = layers(model);
        for (int m = 0; m < masks.size(); m++) {
            all[positions.get(m)].getParam("W").muli(masks.get(m));
        }
    }

    private static Layer[] layers(Model model) {
        return AnyNetwork.of(model).layers();
    }
}
