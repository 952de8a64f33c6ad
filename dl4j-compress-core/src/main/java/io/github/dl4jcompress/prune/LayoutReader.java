package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * How one layer type's weight {@code W} groups into FILTER / CHANNEL / SHAPE / DEPTH groups: reads its
 * {@link WeightLayout} from a configuration whose {@code nIn} is set. Part of a {@link LayerEntry}.
 */
@FunctionalInterface
public interface LayoutReader {

    /**
     * @param layerName the name DL4J knows the layer by
     * @param layerIndex the layer's index in its network (-1 if unknown), carried into error messages
     */
    WeightLayout read(String layerName, int layerIndex, Layer layer);

    /** False for instances of the type that have no such layout (e.g. a shape-sparse lowered convolution). */
    default boolean appliesTo(Layer layer) {
        return true;
    }

    /** {@code W} is {@code [nOut, nIn, kH, kW]} in c order (1-D convolutions: kW = 1). */
    static LayoutReader convolution() {
        return (name, index, layer) -> {
            org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) layer;
            int[] k = c.getKernelSize();
            return WeightLayout.convolution(name, index, c.getNOut(), c.getNIn(), k[0], k.length > 1 ? k[1] : 1);
        };
    }

    /** {@code W} is {@code [nIn, nOut]} in f order (dense and output layers). */
    static LayoutReader dense() {
        return (name, index, layer) -> {
            org.deeplearning4j.nn.conf.layers.FeedForwardLayer f = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) layer;
            return WeightLayout.dense(name, index, f.getNIn(), f.getNOut());
        };
    }
}
