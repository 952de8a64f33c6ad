package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.List;
import java.util.Set;

/**
 * How one DL4J layer configuration type takes part in channel pruning: its role in the channel
 * dependency analysis, which parameter axes follow channels, and how its configuration is resized.
 * One instance per supported layer type lives in the {@link LayerRegistry} table.
 */
abstract class LayerRule {

    /** The two ways a layer relates its input channels to its output channels. */
    enum Role {
        /** Mixes all input channels into new output channels (convolution, dense, output). */
        WEIGHTED,
        /** Output channel(s) of channel c depend only on input channel c (BN, pooling, depthwise...). */
        CHANNELWISE
    }

    abstract Role role();

    /** Null if this layer instance can be sliced, else why not (e.g. a setting the rule does not cover). */
    String unsupportedReason(Layer layer) {
        return null;
    }

    /** Parameter keys the rule knows how to slice; a layer with any other parameter is unsupported. */
    abstract Set<String> knownParams(Layer layer);

    /** Parameter axes that follow channels. {@code inputUnits}: entries per input channel (flatten). */
    abstract List<ParamAxis> axes(Layer layer, int inputUnits);

    /**
     * Writes the new sizes into a cloned layer configuration.
     *
     * @param oldInputChannels channels of the input tensor before pruning
     * @param keptInputChannels channels of the input tensor after pruning
     * @param keptOutputs output channels after pruning (weighted layers) or kept*multiplier (channel-wise)
     */
    abstract void resize(Layer layer, int oldInputChannels, int keptInputChannels, int keptOutputs, int inputUnits);

    /** Resize rule for channel-wise feed-forward layers: only sizes that equal the channel count change. */
    static void resizeChannelwise(Layer layer, int oldInputChannels, int keptInputChannels, int multiplier) {
        if (layer instanceof FeedForwardLayer) {
            FeedForwardLayer ff = (FeedForwardLayer) layer;
            if (ff.getNIn() == oldInputChannels) {
                ff.setNIn(keptInputChannels);
            }
            if (ff.getNOut() == (long) oldInputChannels * multiplier) {
                ff.setNOut((long) keptInputChannels * multiplier);
            }
        }
    }
}
