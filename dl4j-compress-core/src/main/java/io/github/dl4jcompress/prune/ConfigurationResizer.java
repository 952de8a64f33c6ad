package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.Layer;
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
        int keptIn = d.keptInputs == null ? d.inputChannels : d.keptInputs.length;
        int keptOut = d.keptOutputs == null ? d.outputs : d.keptOutputs.length;
        if (d.inputChannels < 0) {
            keptIn = -1;
        }
        if (keptIn < 0) {
            // input kept whole: only the output side changes
            if (d.rule instanceof WeightedLayerRule) {
                ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) clonedLayer).setNOut(keptOut);
            }
            return;
        }
        d.rule.resize(clonedLayer, d.inputChannels, keptIn, keptOut, d.inputUnits);
    }

    /** The preprocessor for the pruned network (a new flatten when input channels were removed). */
    static InputPreProcessor resizePreProcessor(NodeDecision d, InputPreProcessor cloned) {
        if (d == null || d.keptInputs == null || !(cloned instanceof CnnToFeedForwardPreProcessor)) {
            return cloned;
        }
        CnnToFeedForwardPreProcessor flat = (CnnToFeedForwardPreProcessor) cloned;
        return new CnnToFeedForwardPreProcessor(flat.getInputHeight(), flat.getInputWidth(), d.keptInputs.length,
                flat.getFormat());
    }
}
