package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.regularization.GroupKind;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * Applies 0/1 group masks to a layer's weights: {@code W[g] ← mask[g] · W[g]} for each Group Lasso group kind whose
 * mask (keyed {@code "layerName/KIND"}) has a zero. Shared by the zeroing listeners, which keep masked groups at
 * exactly zero after every update.
 */
final class GroupMasks {

    private GroupMasks() {
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
