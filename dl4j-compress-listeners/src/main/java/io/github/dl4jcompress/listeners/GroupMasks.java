package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.regularization.FiniteValues;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.NonFiniteValueException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies 0/1 group masks to a layer's weights: {@code W[g] ← mask[g] · W[g]} for each Group Lasso group kind whose
 * mask (keyed {@code "layerName/KIND"}) has a zero. Shared by the zeroing listeners, which keep masked groups at
 * exactly zero after every update, and their guards: masks that no longer fit the network, non-finite parameters.
 */
final class GroupMasks {

    private GroupMasks() {
    }

    /**
     * Checks, before anything is touched, that every mask still fits {@code model}: its layer exists and has as many
     * groups of the mask's kind as the mask has entries. A listener holding masks is bound to the network it first
     * saw; used on a pruned or replaced network it would fail half-way through applying its masks.
     *
     * @throws IllegalStateException naming the layer (name and index), the kind and both group counts
     */
    static void requireFit(String who, List<ModelLayers.Entry> entries, Map<String, INDArray> masks) {
        if (masks.isEmpty()) {
            return;
        }
        Map<String, ModelLayers.Entry> byName = new HashMap<>();
        entries.forEach(e -> byName.put(e.name, e));
        for (Map.Entry<String, INDArray> m : masks.entrySet()) {
            int slash = m.getKey().lastIndexOf('/');
            String layer = m.getKey().substring(0, slash);
            GroupKind kind = GroupKind.valueOf(m.getKey().substring(slash + 1));
            ModelLayers.Entry e = byName.get(layer);
            if (e == null) {
                throw new IllegalStateException(who + " holds a " + kind + " mask for layer '" + layer + "', which this "
                        + "network does not have (layers " + byName.keySet() + "): a listener with masks is bound to the "
                        + "network it first saw; use a new one for a pruned or different network");
            }
            long groups = e.layout.groupCount(kind);
            if (groups != m.getValue().length()) {
                throw new IllegalStateException(who + ": layer " + e.index + " '" + e.name + "' has " + groups + " " + kind
                        + " groups " + e.layout.describeShape() + " but the listener's mask has " + m.getValue().length()
                        + " groups: it is bound to the network it first saw (pruned or replaced since?); use a new "
                        + "listener. Nothing was changed.");
            }
        }
    }

    /**
     * Refuses a NaN or ±Infinity in any parameter of the grouped layers, naming layer (name and index), parameter,
     * flat index and iteration; called before a listener changes anything.
     */
    static void requireFinite(String who, List<ModelLayers.Entry> entries, int iteration) {
        for (ModelLayers.Entry e : entries) {
            for (Map.Entry<String, INDArray> p : e.layer.paramTable().entrySet()) {
                long bad = FiniteValues.firstNonFinite(p.getValue());
                if (bad >= 0) {
                    double v = FiniteValues.valueAt(p.getValue(), bad);
                    throw new NonFiniteValueException(who + ": layer " + e.index + " '" + e.name + "' parameter "
                            + p.getKey() + " has value " + v + " at index " + bad + " after iteration " + iteration
                            + " (training diverged: lower the learning rate or the regularization strength); "
                            + "nothing was changed", e.name, p.getKey(), bad, v);
                }
            }
        }
    }

    /**
     * The product of the layer's masks expanded to the shape (and storage order) of its W, or null if none of them has
     * a zero: {@code W ⊙ fullMask} has exactly the values {@link #apply} leaves (each weight times 0s and 1s).
     */
    static INDArray fullMask(ModelLayers.Entry e, Map<String, INDArray> masks) {
        INDArray shaped = e.layer.getParam("W");
        INDArray flat = null;
        for (GroupKind kind : GroupKind.values()) {
            INDArray mask = masks.get(e.name + "/" + kind);
            if (mask == null || mask.minNumber().doubleValue() > 0) {
                continue;
            }
            if (flat == null) {
                flat = Nd4j.ones(shaped.dataType(), shaped.length());
            }
            e.layout.scaleGroups(flat, kind, mask);
        }
        return flat == null ? null : flat.reshape(e.layout.storageOrder(), shaped.shape());
    }

    static void apply(ModelLayers.Entry e, Map<String, INDArray> masks) {
        INDArray flat = null;
        INDArray shaped = e.layer.getParam("W");
        for (GroupKind kind : GroupKind.values()) {
            INDArray mask = masks.get(e.name + "/" + kind);
            if (mask == null || mask.minNumber().doubleValue() > 0) {
                continue;
            }
            if (flat == null) {
                flat = Nd4j.toFlattened(e.layout.storageOrder(), shaped);
            }
            e.layout.scaleGroups(flat, kind, mask);
        }
        if (flat != null) {
            e.layer.setParam("W", flat.reshape(e.layout.storageOrder(), shaped.shape()));
        }
    }
}
