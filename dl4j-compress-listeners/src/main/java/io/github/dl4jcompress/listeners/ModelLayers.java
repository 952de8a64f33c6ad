package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.GroupLasso;
import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The weight-grouped layers of a model (MLN or CG), with their names, layouts and Group Lasso kinds. */
final class ModelLayers {

    /** One layer whose weights can be grouped. */
    static final class Entry {
        final String name;
        /** The layer's index in the network (MLN: layer index; CG: vertex index). */
        final int index;
        final Layer layer;
        final WeightLayout layout;
        final Set<GroupKind> regularizedKinds;

        Entry(String name, int index, Layer layer, WeightLayout layout, Set<GroupKind> regularizedKinds) {
            this.name = name;
            this.index = index;
            this.layer = layer;
            this.layout = layout;
            this.regularizedKinds = regularizedKinds;
        }
    }

    private ModelLayers() {
    }

    static List<Entry> of(Model model) {
        List<Entry> out = new ArrayList<>();
        for (AnyNetwork.IndexedLayer l : AnyNetwork.of(model).layersInOrder()) {
            add(out, l.name(), l.index(), l.layer());
        }
        return out;
    }

    private static void add(List<Entry> out, String name, int index, Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer lc = layer.conf().getLayer();
        if (!WeightLayout.isSupported(lc)) {
            return;
        }
        Set<GroupKind> kinds = EnumSet.noneOf(GroupKind.class);
        if (lc instanceof BaseLayer && ((BaseLayer) lc).getRegularization() != null) {
            for (Regularization r : ((BaseLayer) lc).getRegularization()) {
                if (r instanceof GroupLasso) {
                    kinds.add(((GroupLasso) r).getKind());
                }
            }
        }
        out.add(new Entry(name, index, layer, WeightLayout.of(name, index, lc), kinds));
    }
}
