package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import io.github.dl4jcompress.regularization.GroupLasso;
import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;

/**
 * Writes a {@link NodeDecision} into a cloned configuration: new nIn/nOut of the layer and the new
 * channel count of a CNN-to-feed-forward flatten on its input edge.
 */
final class ConfigurationResizer {

    private ConfigurationResizer() {
    }

    static void resizeLayer(NodeDecision d, Layer clonedLayer) {
        if (d == null || !d.changesParameters()) {
            return;
        }
        int keptIn = d.keptInputs() == null ? d.inputChannels : d.keptInputs().length;
        int keptOut = d.keptOutputs() == null ? d.outputs : d.keptOutputs().length;
        if (d.inputChannels < 0) {
            keptIn = -1;
        }
        if (keptIn < 0) {
            // input kept whole: only the output side changes
            if (d.rule instanceof WeightedLayerRule) {
                ((WeightedLayerRule) d.rule).resizeOutputs(clonedLayer, keptOut);
            }
        } else {
            d.rule.resize(clonedLayer, d.inputChannels, keptIn, keptOut, d.inputUnits);
        }
        rebindGroupLasso(clonedLayer);
    }

    /**
     * Group Lasso regularizers are bound to their layer's weight shape; after a resize they are re-bound to the new
     * shape (same kind, strength and ε), so the pruned network can keep training with them.
     */
    static void rebindGroupLasso(Layer layer) {
        if (!(layer instanceof BaseLayer) || ((BaseLayer) layer).getRegularization() == null) {
            return;
        }
        List<Regularization> regs = new ArrayList<>();
        boolean changed = false;
        for (Regularization r : ((BaseLayer) layer).getRegularization()) {
            if (r instanceof GroupLasso && ((GroupLasso) r).isBound() && WeightLayout.isSupported(layer)) {
                GroupLasso g = (GroupLasso) r;
                regs.add(g.bind(WeightLayout.of(g.getLayout().getLayerName(), g.getLayout().getLayerIndex(), layer)));
                changed = true;
            } else {
                regs.add(r);
            }
        }
        if (changed) {
            ((BaseLayer) layer).setRegularization(regs);
        }
    }

    /** The preprocessor for the pruned network (a new flatten when input channels were removed). */
    static InputPreProcessor resizePreProcessor(NodeDecision d, InputPreProcessor cloned) {
        if (d == null || d.keptInputs() == null || !(cloned instanceof CnnToFeedForwardPreProcessor)) {
            return cloned;
        }
        CnnToFeedForwardPreProcessor flat = (CnnToFeedForwardPreProcessor) cloned;
        return new CnnToFeedForwardPreProcessor(flat.getInputHeight(), flat.getInputWidth(), d.keptInputs().length,
                flat.getFormat());
    }
}
