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

    /**
     * How one parameter's updater-state chunk changes from the old network to the new one: {@code chunk} is shaped like
     * the old parameter {@code oldParam} (read in its storage order); returns the new chunk, flat, in the new
     * parameter's storage order.
     */
    interface StateMapping {
        double[] map(String nodeId, String paramKey, DenseTensor chunk, INDArray oldParam);
    }

    /** Slices the original updater state into the pruned network's updater, with the plan's channel slicing. */
    static <N extends org.deeplearning4j.nn.api.Model> void copyUpdaterState(
            NetworkAdapter<N> adapter, N original, N pruned, PrunePlan plan) {
        copyUpdaterState(adapter, original, pruned, (id, key, chunk, oldParam) -> {
            NodeDecision d = plan.decision(id);
            return (d == null ? chunk : d.slice(key, chunk)).toFlat(oldParam.ordering());
        });
    }

    /**
     * The one updater-state transfer (pruning and lowering): every state chunk of every parameter of {@code to} (Adam
     * m and v, Nesterov v, ...) is {@code mapping} of the same chunk of {@code from}, so parameters and their state stay
     * aligned. No-op if {@code from} has no updater state (the new network starts with a fresh updater).
     */
    static <N extends org.deeplearning4j.nn.api.Model> void copyUpdaterState(
            NetworkAdapter<N> adapter, N from, N to, StateMapping mapping) {
        BaseMultiLayerUpdater<?> oldUpdater = adapter.updater(from, false);
        if (oldUpdater == null || oldUpdater.getStateViewArray() == null || oldUpdater.getStateViewArray().length() == 0) {
            log.debug("Original network has no updater state; the new network starts with a fresh updater");
            return;
        }
        Map<String, Trainable> oldTrainables = adapter.trainables(from);
        Map<String, Trainable> newTrainables = adapter.trainables(to);
        UpdaterStateLayout oldLayout = UpdaterStateLayout.of(oldUpdater, oldTrainables);
        BaseMultiLayerUpdater<?> newUpdater = adapter.updater(to, true);
        UpdaterStateLayout newLayout = UpdaterStateLayout.of(newUpdater, newTrainables);
        INDArray newView = newUpdater.getStateViewArray();
        if (newView == null) {
            return;
        }
        INDArray oldView = oldUpdater.getStateViewArray();
        double[] oldState = oldView.dup('c').reshape(oldView.length()).toDoubleVector();
        double[] newState = new double[(int) newView.length()];
        for (Map.Entry<String, Map<String, UpdaterStateLayout.Segments>> node : newLayout.all().entrySet()) {
            String id = node.getKey();
            for (Map.Entry<String, UpdaterStateLayout.Segments> p : node.getValue().entrySet()) {
                UpdaterStateLayout.Segments target = p.getValue();
                UpdaterStateLayout.Segments source = oldLayout.get(id, p.getKey());
                if (source == null || source.offsets().length != target.offsets().length) {
                    throw new PruningException("Updater state layout differs for " + id + "/" + p.getKey());
                }
                INDArray oldParam = oldTrainables.get(id).paramTable(false).get(p.getKey());
                for (int j = 0; j < target.offsets().length; j++) {
                    int start = (int) source.offsets()[j];
                    double[] flat = Arrays.copyOfRange(oldState, start, start + source.length());
                    double[] out = mapping.map(id, p.getKey(), DenseTensor.fromFlat(flat, oldParam.shape(), oldParam.ordering()), oldParam);
                    if (out.length != target.length()) {
                        throw new PruningException("Updater state size mismatch for " + id + "/" + p.getKey());
                    }
                    System.arraycopy(out, 0, newState, (int) target.offsets()[j], out.length);
                }
            }
        }
        newUpdater.setStateViewArray(Nd4j.create(newState).castTo(newView.dataType()).reshape(newView.shape()));
    }
}
