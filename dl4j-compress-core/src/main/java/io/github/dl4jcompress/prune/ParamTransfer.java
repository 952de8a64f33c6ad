package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Copies parameters and updater state from the original network into the freshly initialised pruned
 * network, slicing every array with the same {@link NodeDecision} so that parameters and their
 * updater state (Adam m/v, Nesterov v...) stay aligned. Reads the original, writes only the copy.
 */
final class ParamTransfer {

    private static final Logger log = LoggerFactory.getLogger(ParamTransfer.class);

    private ParamTransfer() {
    }

    /** Host copies of all parameters, keyed by node id then parameter key. */
    static Map<String, Map<String, DenseTensor>> snapshot(Map<String, Trainable> trainables) {
        Map<String, Map<String, DenseTensor>> out = new LinkedHashMap<>();
        trainables.forEach((id, t) -> {
            Map<String, DenseTensor> m = new LinkedHashMap<>();
            t.paramTable(false).forEach((k, v) -> m.put(k, DenseTensor.of(v)));
            out.put(id, m);
        });
        return out;
    }

    static void copyParams(PrunePlan plan, Map<String, Map<String, DenseTensor>> oldParams,
                           Map<String, Trainable> newTrainables) {
        for (Map.Entry<String, Trainable> e : newTrainables.entrySet()) {
            Map<String, DenseTensor> old = oldParams.get(e.getKey());
            if (old == null) {
                throw new PruningException("Pruned network has a parameterised node '" + e.getKey() + "' the original lacks");
            }
            NodeDecision d = plan.decision(e.getKey());
            Map<String, DenseTensor> sliced = d == null ? old : d.sliceParams(old);
            Map<String, INDArray> target = e.getValue().paramTable(false);
            if (!target.keySet().equals(sliced.keySet())) {
                throw new PruningException("Parameter keys differ for '" + e.getKey() + "': " + target.keySet() + " vs " + sliced.keySet());
            }
            for (Map.Entry<String, INDArray> t : target.entrySet()) {
                DenseTensor src = sliced.get(t.getKey());
                INDArray view = t.getValue();
                if (src.length() != view.length()) {
                    throw new PruningException("Shape mismatch for " + e.getKey() + "/" + t.getKey() + ": "
                            + Arrays.toString(src.shape()) + " vs " + Arrays.toString(view.shape()));
                }
                view.assign(src.toINDArray(view.dataType()).reshape(view.shape()));
            }
        }
    }

    /** Slices the original updater state into the pruned network's updater; no-op if the original has none. */
    static <N extends org.deeplearning4j.nn.api.Model> void copyUpdaterState(
            NetworkAdapter<N> adapter, N original, N pruned, PrunePlan plan) {
        BaseMultiLayerUpdater<?> oldUpdater = adapter.updater(original, false);
        if (oldUpdater == null || oldUpdater.getStateViewArray() == null) {
            log.debug("Original network has no updater state; pruned network starts with a fresh updater");
            return;
        }
        Map<String, Trainable> oldTrainables = adapter.trainables(original);
        Map<String, Trainable> newTrainables = adapter.trainables(pruned);
        UpdaterStateLayout oldLayout = UpdaterStateLayout.of(oldUpdater, oldTrainables);
        BaseMultiLayerUpdater<?> newUpdater = adapter.updater(pruned, true);
        UpdaterStateLayout newLayout = UpdaterStateLayout.of(newUpdater, newTrainables);
        INDArray newView = newUpdater.getStateViewArray();
        INDArray oldView = oldUpdater.getStateViewArray();
        double[] oldState = oldView.dup('c').reshape(oldView.length()).toDoubleVector();
        double[] newState = new double[(int) newView.length()];
        for (Map.Entry<String, Map<String, UpdaterStateLayout.Segments>> node : newLayout.all().entrySet()) {
            String id = node.getKey();
            NodeDecision d = plan.decision(id);
            for (Map.Entry<String, UpdaterStateLayout.Segments> p : node.getValue().entrySet()) {
                UpdaterStateLayout.Segments to = p.getValue();
                UpdaterStateLayout.Segments from = oldLayout.get(id, p.getKey());
                if (from == null || from.offsets().length != to.offsets().length) {
                    throw new PruningException("Updater state layout differs for " + id + "/" + p.getKey());
                }
                INDArray oldParam = oldTrainables.get(id).paramTable(false).get(p.getKey());
                char order = oldParam.ordering();
                for (int j = 0; j < to.offsets().length; j++) {
                    int start = (int) from.offsets()[j];
                    double[] flat = Arrays.copyOfRange(oldState, start, start + from.length());
                    DenseTensor chunk = DenseTensor.fromFlat(flat, oldParam.shape(), order);
                    DenseTensor sliced = d == null ? chunk : d.slice(p.getKey(), chunk);
                    double[] out = sliced.toFlat(order);
                    if (out.length != to.length()) {
                        throw new PruningException("Updater state size mismatch for " + id + "/" + p.getKey());
                    }
                    System.arraycopy(out, 0, newState, (int) to.offsets()[j], out.length);
                }
            }
        }
        newUpdater.setStateViewArray(Nd4j.create(newState).castTo(newView.dataType()).reshape(newView.shape()));
    }
}
